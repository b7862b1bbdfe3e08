"""A synthetic map of any size, for benchmarks and query-count tests.

The tree is grown breadth first with a seeded random generator, so the same
arguments always give the same map: 2–6 children per node, about one in five a
leaf in the first levels, then 3–6 children each; supports and opposes mixed,
claims and evidence mixed. That gives 7 levels below the thesis at 10,000 nodes.
Most nodes quote one synthetic source; the rest are curators' headings, so
`check_map` finds nothing wrong. A second generator adds the argument graph without
changing the tree: undercuts, reported and conceded quotes, and a link every 3 nodes.
"""

import random
from array import array

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Source
from argmap.debates.quotes import quote_context, sha256_of

BATCH_SIZE = 2000
SOURCE_CHARS = 60_000
LEAF_CHANCE = 0.2
LEAFY_LEVELS = 3  # after this many levels, every node gets children while any are left
HEADING_CHANCE = 0.1
# The argument graph, drawn from a generator of its own so the tree stays as it was:
# some nodes undercut (where a grandparent exists), some quotes are reported or conceded,
# and every LINK_EVERY-th node is linked to an earlier node of the map (not the thesis).
UNDERCUT_CHANCE = 0.08
VOICE_CHANCES = ((0.1, Anchor.Voice.REPORTS), (0.15, Anchor.Voice.CONCEDES))  # cumulative
LINK_EVERY = 3
WORDS_TEXT = (
    "argument evidence model training cost export chips compute open weights benchmark "
    "reasoning market investors claim report analysts researchers frontier cheaper faster "
    "efficiency hardware policy sanctions distillation inference paper release lab budget "
    "estimate figure percent billion million dollars capacity data center power energy "
    "government startup engineers results scale parameters tokens accuracy safety race "
    "lead gap months years week shares stock price demand supply labs rivals progress"
)
WORDS = WORDS_TEXT.split(" ")
SPEAKERS = ["the author", "an analyst", "a researcher", "a reader", "the company", "an investor"]


def sentence(rng, low=8, high=18):
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def source_text(rng, chars=SOURCE_CHARS):
    paragraphs, length = [], 0
    while length < chars:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(3, 7)))
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def word_span(rng, text):
    """A quote of a few words: (start, end) on word boundaries inside text."""
    start = rng.randrange(0, len(text) - 400)
    start = text.index(" ", start) + 1
    end = start + rng.randint(40, 180)
    end = text.index(" ", end)
    return start, end


class Command(BaseCommand):
    help = "Build a deterministic synthetic map of --nodes nodes under --slug."

    def add_arguments(self, parser):
        parser.add_argument("--nodes", type=int, required=True, help="How many nodes, thesis too.")
        parser.add_argument("--slug", required=True, help="The new map's slug.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--replace", action="store_true", help="Delete a map with this slug first."
        )

    def handle(self, *args, nodes, slug, seed, replace, **options):
        if nodes < 1:
            raise CommandError("--nodes must be at least 1")
        existing = ArgumentMap.objects.filter(slug=slug).first()
        if existing and not replace:
            raise CommandError(f"a map with slug {slug!r} exists; pass --replace to rebuild it")
        rng = random.Random(f"{slug}:{seed}")
        self.graph_rng = random.Random(f"{slug}:{seed}:graph")
        with transaction.atomic():
            if existing:
                existing.delete()
            source = self.make_source(rng, slug, replace)
            argmap = ArgumentMap.objects.create(
                slug=slug,
                title=f"Synthetic map {slug} ({nodes} nodes)",
                question=f"Does the synthetic debate {slug} hold up?",
                origin=ArgumentMap.Origin.GENERATED,  # not curated: kept out of fixtures/
            )
            depth = self.make_nodes(rng, argmap, source, nodes)
            self.make_links(argmap)
        with connection.cursor() as cursor:
            # Fresh planner statistics after a bulk load: without them SQLite finds the
            # thesis by scanning the map_id index rather than looking up parent_id IS NULL.
            cursor.execute("ANALYZE")
        self.stdout.write(f"Generated map {slug}: {nodes} nodes, {depth} levels deep.")

    def make_source(self, rng, slug, replace):
        source_slug = f"{slug}-source"[:50]
        found = Source.objects.filter(slug=source_slug).first()
        if found:
            if not replace:
                raise CommandError(f"a source with slug {source_slug!r} exists; pass --replace")
            found.anchors.all().delete()
            found.delete()
        text = source_text(rng)
        return Source.objects.create(
            slug=source_slug,
            file=f"synthetic/{source_slug}.txt",
            title=f"Synthetic source for {slug}",
            author="generate_map",
            publisher="Argmap",
            date="",  # not given: a synthetic text has no date
            kind=Source.Kind.ANALYSIS,
            text=text,
            sha256=sha256_of(text),
        )

    def make_nodes(self, rng, argmap, source, count):
        """Grow the tree breadth first; parents are saved a level before their children.

        Memory stays flat: nodes are written BATCH_SIZE at a time, and only compact arrays
        of what later steps need (id, parent id, heading, relation) are kept for the map,
        about 18 bytes a node. The random draws come in the same order as when whole levels
        were held (all of a level's nodes, then its anchors), so the map is the same.
        """
        thesis = Node.objects.create(
            map=argmap, key="n1", kind=Node.Kind.THESIS, text=sentence(rng), position=0
        )
        self.pks, self.parent_ids = array("q", [thesis.pk]), array("q", [0])
        self.headings, self.opposes = bytearray(1), bytearray(1)
        made, depth = 1, 0
        level = range(1)  # indexes into the arrays
        while made < count:
            depth += 1
            start, batch = made, []
            for index in level:
                if made >= count:
                    break
                parent_pk, is_thesis = self.pks[index], self.parent_ids[index] == 0
                last_one = index == level[-1] and made == start
                leafy = depth <= LEAFY_LEVELS and not is_thesis and not last_one
                if leafy and rng.random() < LEAF_CHANCE:
                    continue
                fan_out = rng.randint(2 if leafy else 3, 6)
                for position in range(min(fan_out, count - made)):
                    made += 1
                    batch.append(self.make_child(rng, argmap, parent_pk, is_thesis, position, made))
                if len(batch) >= BATCH_SIZE:
                    self.save_nodes(batch)
                    batch = []
            self.save_nodes(batch)
            level = range(start, made)
            for first in range(start, made, BATCH_SIZE):
                anchors = [
                    self.make_anchor(rng, index, source)
                    for index in range(first, min(first + BATCH_SIZE, made))
                    if not self.headings[index]
                ]
                Anchor.objects.bulk_create(anchors, batch_size=BATCH_SIZE)
        return depth

    def save_nodes(self, nodes):
        Node.objects.bulk_create(nodes, batch_size=BATCH_SIZE)
        for node in nodes:
            self.pks.append(node.pk)
            self.parent_ids.append(node.parent_id)
            self.headings.append(node.is_heading)
            self.opposes.append(node.relation == Node.Relation.OPPOSES)

    def make_child(self, rng, argmap, parent_pk, parent_is_thesis, position, number):
        evidence = rng.random() < 0.3
        heading = not evidence and rng.random() < HEADING_CHANCE
        relation = Node.Relation.SUPPORTS if rng.random() < 0.6 else Node.Relation.OPPOSES
        if not parent_is_thesis and self.graph_rng.random() < UNDERCUT_CHANCE:
            relation = Node.Relation.UNDERCUTS
        return Node(
            map=argmap,
            key=f"n{number}",
            kind=Node.Kind.EVIDENCE if evidence else Node.Kind.CLAIM,
            text=sentence(rng),
            parent_id=parent_pk,
            relation=relation,
            position=position,
            label=f"Branch {number}" if heading else "",
            is_heading=heading,
        )

    def make_anchor(self, rng, index, source):
        """The anchor of the node at index of the arrays (see make_nodes)."""
        start, end = word_span(rng, source.text)
        prefix, suffix = quote_context(source.text, start, end)
        return Anchor(
            node_id=self.pks[index],
            position=0,
            source=source,
            start=start,
            end=end,
            exact=source.text[start:end],
            prefix=prefix,
            suffix=suffix,
            **self.voice_and_speaker(self.opposes[index], rng.choice(SPEAKERS)),
        )

    def voice_and_speaker(self, opposes, drawn_speaker):
        """The author asserts or concedes; anyone else's words are reported, naming them.

        A rebuttal's words are a concession when they are the author's own, so the map never
        has its author rebut itself (check_map's rule)."""
        draw = self.graph_rng.random()
        if draw < VOICE_CHANCES[0][0]:
            others = [name for name in SPEAKERS if name not in Anchor.OWN_SPEAKERS]
            speaker = drawn_speaker if drawn_speaker in others else self.graph_rng.choice(others)
            return {"voice": Anchor.Voice.REPORTS, "speaker": speaker}
        if opposes or draw < VOICE_CHANCES[1][0]:
            return {"voice": Anchor.Voice.CONCEDES, "speaker": "the author"}
        return {"voice": Anchor.Voice.ASSERTS, "speaker": "the author"}

    def make_links(self, argmap):
        """Every LINK_EVERY-th node linked to an earlier node that is not its parent.

        Nodes in the order they were made (make_nodes' arrays, which is their id order), and
        the links written BATCH_SIZE at a time. (A pair never repeats: each node is the
        later end of at most one link.)
        """
        pks, parent_ids, links = self.pks, self.parent_ids, []
        for index in range(LINK_EVERY, len(pks), LINK_EVERY):  # index 0 is the thesis
            pk = pks[index]
            other_index = self.graph_rng.randrange(1, index)
            other = pks[other_index]
            if parent_ids[index] == other or parent_ids[other_index] == pk:
                continue
            kind = Link.Kind.CONTRADICTS if index % (2 * LINK_EVERY) else Link.Kind.SAME_POINT
            links.append(Link(map=argmap, from_node_id=other, to_node_id=pk, kind=kind))
            if len(links) >= BATCH_SIZE:
                Link.objects.bulk_create(links)
                links = []
        Link.objects.bulk_create(links)

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Self

from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Max, Q
from django.db.models.signals import pre_save
from django.dispatch import receiver

from argmap.lib.rows import RowGone, UpdateOnlyModel, lock, locking
from argmap.lib.urls import slug_url

from . import counts, fragments, order
from .fragments import ContentQuerySet, new_token
from .markup import Run, markup_intervals, runs
from .quotes import (
    find_quote,
    quote_context,
    quote_preview,
    selector_matches,
    words_around,
    words_around_bounds,
)
from .schemes import CHOICES as SCHEME_CHOICES
from .schemes import SCHEMES, Scheme

__all__ = [
    "Anchor",
    "ArgumentMap",
    "Link",
    "MapRevision",
    "Node",
    "QuoteSelector",
    "Section",
    "Source",
]


class SourceQuerySet(ContentQuerySet["Source"]):
    map_field = "anchors__node__map"  # a source shows in the trees of the maps that quote it


SourceManagerBase = models.Manager.from_queryset(SourceQuerySet)


class SourceManager(SourceManagerBase["Source"]):
    def get_by_natural_key(self, slug: str) -> Any:
        return self.get(slug=slug)


class Source(UpdateOnlyModel):
    class Kind(models.TextChoices):
        BLOG_POST = "blog post"
        ESSAY = "essay"
        NEWS_ARTICLE = "news article"
        READER_COMMENTS = "reader comments"
        NOTES = "notes"
        ANALYSIS = "analysis"

    class TitleBy(models.TextChoices):
        TEXT = "text", "the text"
        CURATORS = "curators", "the curators"

    slug = models.SlugField(unique=True)
    file = models.CharField("seed file", max_length=200, unique=True)
    title = models.CharField(max_length=300)
    title_by = models.CharField(
        "title given by",
        max_length=10,
        choices=TitleBy.choices,
        default=TitleBy.TEXT,
        help_text="Whether the text gives this title or the curators wrote it.",
    )
    # Blank when the text gives nothing: shown as "not given", never guessed.
    author = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    date = models.CharField(max_length=100, blank=True, help_text="As the text gives it.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    tags = models.JSONField(default=list, blank=True, help_text="Tags the text gives itself.")
    disclosure = models.TextField(
        blank=True, help_text="A disclosure of interest, in the text's own words."
    )
    text = models.TextField()
    sha256 = models.CharField("SHA-256", max_length=64)

    objects = SourceManager()

    class Meta:
        ordering = ["file"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def get_absolute_url(self) -> str:
        return slug_url("source", self.slug)

    def speaker_at(self, offset: int) -> str:
        """Who speaks at offset: a reader comment's commenter, otherwise the author."""
        section = self.comment_at(offset)
        return section.speaker if section else "the author"

    def comment_at(self, offset: int) -> "Section | None":
        """The reader comment holding offset, or None (from the prefetched sections)."""
        for section in self.sections.all():
            if section.start <= offset < section.end and section.kind == Section.Kind.COMMENT:
                return section
        return None

    def comment_number_at(self, offset: int) -> int | None:
        """The number in the thread of the reader comment holding offset, or None."""
        section = self.comment_at(offset)
        return section.comment_number if section else None


class SectionManager(models.Manager["Section"]):
    def get_by_natural_key(self, source_slug: str, position: int) -> "Section":
        return self.get(source__slug=source_slug, position=position)


class Section(UpdateOnlyModel):
    """A stretch of a source: the article itself, or one reader comment after it."""

    class Kind(models.TextChoices):
        BODY = "body", "Article"
        COMMENT = "comment", "Reader comment"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    speaker = models.CharField(max_length=200)

    objects = SectionManager()

    class Meta:
        ordering = ["source", "position"]
        constraints = [
            models.UniqueConstraint(fields=["source", "position"], name="section_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.source.slug} §{self.position} ({self.get_kind_display()})"

    def natural_key(self) -> tuple[str, int]:
        return (*self.source.natural_key(), self.position)

    natural_key.dependencies = [  # type: ignore[attr-defined]
        "debates.source"
    ]

    @property
    def comment_number(self) -> int | None:
        """A reader comment's number in the thread is its position; None for the article."""
        return self.position if self.kind == self.Kind.COMMENT else None


class ArgumentMapQuerySet(ContentQuerySet["ArgumentMap"]):
    map_field = "pk"

    def delete(self) -> tuple[int, dict[str, int]]:
        # The maps' nodes are locked before Django collects what cascades, as a node's own
        # delete does: a vote, child or annotation added meanwhile (holding its node's lock)
        # is then collected too, instead of failing its foreign key at commit (lib.rows.lock).
        with locking():
            lock(Node.objects.filter(map__in=self.values("pk")))
            return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    COUNTS = ("node_count", "supports_count", "opposes_count", "undercuts_count")

    def count_nodes(self, map_ids: list[int]) -> dict[int, dict[str, int]]:
        """Each map's COUNTS, from its NodeCount rows (kept on write by counts.py): one
        query of a few rows a map. Counting the nodes took 88 ms at a million nodes."""
        found = counts.of_maps(map_ids)
        return {
            pk: {
                "node_count": found[pk].total(),
                **{name: found[pk][name.removesuffix("_count")] for name in self.COUNTS[1:]},
            }
            for pk in map_ids
        }

    def quoted_source_ids(
        self, map_ids: list[int], source_ids: list[int] | None = None
    ) -> dict[int, list[int]]:
        """Each map's sources, the ids of those its anchors quote (of source_ids, when
        given), in two queries for any number of maps: the sources (unless given), then one
        row with an EXISTS for each source and map.

        Both ids are constants in each EXISTS, so the planner reads each pair from its
        smaller side by the statistics of both (the source's quotes, or the map's nodes).
        With the source a parameter of a correlated EXISTS, it planned for an average source
        and scanned every anchor once a source: 1.5 s at a million nodes, after every edit.
        """
        if source_ids is None:
            source_ids = list(Source.objects.order_by("pk").values_list("pk", flat=True))
        if not source_ids or not map_ids:
            return {pk: [] for pk in map_ids}
        columns = {
            f"q_{source}_{pk}": models.Exists(
                Anchor.objects.filter(source_id=source, node__map_id=pk)
            )
            for source in source_ids
            for pk in map_ids
        }
        # A plain dict: its keys are made here, which a typed values() row cannot name.
        row: dict[str, Any] = dict(Source.objects.filter(pk=source_ids[0]).values(**columns).get())
        return {pk: [source for source in source_ids if row[f"q_{source}_{pk}"]] for pk in map_ids}

    def kept(
        self, kind: str, compute: Callable[[list[int]], dict[int, dict[str, Any]]]
    ) -> list["ArgumentMap"]:
        """The maps, each with compute(map_ids)[its id] (a dict of attributes) set on it, kept
        in the fragment cache under the map's structure token: any write to the map's content
        makes a new token (fragments.py), so they are never stale, and an unchanged map is
        never computed again. Every map's token is read in one query, before the content
        (point 4), so the queries do not grow with the number of maps."""
        maps = list(self)
        tokens = fragments.every_token()
        found = kept_values(kind, compute, {m.pk: tokens.get(m.pk) for m in maps})
        for argmap in maps:
            argmap.__dict__.update(found[argmap.pk])
        return maps

    def with_source_ids(self) -> list["ArgumentMap"]:
        """The maps, each with the source_ids it quotes (quoted_source_ids), found once per
        structure token."""
        return self.kept("map-sources", self.source_ids_by_map)

    def source_ids_by_map(self, map_ids: list[int]) -> dict[int, dict[str, Any]]:
        found = self.quoted_source_ids(map_ids)
        return {pk: {"source_ids": found[pk]} for pk in map_ids}

    def counted(self) -> list["ArgumentMap"]:
        """The maps, each with its COUNTS (count_nodes) and the source_ids it quotes
        (quoted_source_ids), read once per structure token (kept)."""

        def compute(map_ids: list[int]) -> dict[int, dict[str, Any]]:
            sources = self.quoted_source_ids(map_ids)
            numbers = self.count_nodes(map_ids)
            return {pk: {**numbers[pk], "source_ids": sources[pk]} for pk in map_ids}

        return self.kept("map-counts", compute)


def kept_values(
    kind: str,
    compute: Callable[[list[int]], dict[int, dict[str, Any]]],
    tokens: dict[int, str | None],
) -> dict[int, dict[str, Any]]:
    """compute(map_ids)[pk] for each map id in tokens, kept in the fragment cache under the
    map's structure token given there (ArgumentMapQuerySet.kept)."""
    store = caches["fragments"]
    # A map without a token row (none should lack one) is computed afresh, never kept.
    keys = {pk: f"{kind}:{pk}:{token or uuid.uuid4().hex}" for pk, token in tokens.items()}
    found = store.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        fresh = {keys[pk]: values for pk, values in compute(missing).items()}
        store.set_many(fresh)
        found.update(fresh)
    return {pk: found[key] for pk, key in keys.items()}


ArgumentMapManagerBase = models.Manager.from_queryset(ArgumentMapQuerySet)


class ArgumentMapManager(ArgumentMapManagerBase["ArgumentMap"]):
    def get_by_natural_key(self, slug: str) -> Any:
        return self.get(slug=slug)


class ArgumentMap(UpdateOnlyModel):
    class Origin(models.TextChoices):
        CURATED = "curated", "curated here"
        AIF = "aif", "imported from AIF"
        ARGDOWN = "argdown", "imported from Argdown"
        ARGMAP = "argmap", "imported from argmap/2 JSON"
        GENERATED = "generated", "generated by generate_map"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=300)
    question = models.CharField(max_length=500)
    origin = models.CharField(
        max_length=10,
        choices=Origin.choices,
        default=Origin.CURATED,
        help_text="Curated maps anchor every node but headings and go to fixtures/ with "
        "export_seed; imported and generated ones may not anchor all and stay out of fixtures/.",
    )
    definition = models.TextField(
        "the question defined",
        blank=True,
        help_text="The sense(s) in which the map reads its question, so every node bears on a "
        "stated sense (shown on the map page, exported as map.definition).",
    )
    cruxes = models.JSONField(
        default=list,
        blank=True,
        help_text="Where the debate turns, curated: a list of "
        '{"kind": "agreed" or "question", '
        '"text": …, "sides": [{"label": …, "nodes": [node keys]}]}.',
    )

    objects = ArgumentMapManager()

    # Set by the pages and QuerySets that attach them (ArgumentMapQuerySet.kept, home).
    source_ids: list[int]
    thesis_node: "Node | None"
    sources: list[Source]

    class Meta:
        verbose_name = "map"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with locking():  # as ArgumentMapQuerySet.delete
            lock(Node.objects.filter(map_id=self.pk))
            return super().delete(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return slug_url("map", self.slug)

    def quoted_sources(self, token: str) -> "SourceQuerySet":
        """The sources this map's anchors quote, their text deferred, given its structure
        token: one query, and two more once per token (with_source_ids). A join of sources
        to every anchor of the map took 1.8 s at a million nodes, after every edit."""
        maps = ArgumentMap.objects.all()
        kept = kept_values("map-sources", maps.source_ids_by_map, {self.pk: token})
        return Source.objects.filter(pk__in=kept[self.pk]["source_ids"]).defer("text")

    def crux_rows(self) -> list[dict[str, Any]]:
        """The cruxes with each side's nodes (one query; keys no longer in the map drop out)."""
        keys = {key for crux in self.cruxes for side in crux["sides"] for key in side["nodes"]}
        nodes = {node.key: node for node in self.nodes.filter(key__in=keys)}
        for node in nodes.values():
            node.map = self  # their links need the map's slug: no query a node
        return [
            {
                **crux,
                "sides": [
                    {
                        "label": side["label"],
                        "nodes": [nodes[k] for k in side["nodes"] if k in nodes],
                    }
                    for side in crux["sides"]
                ],
            }
            for crux in self.cruxes
        ]

    @property
    def thesis(self) -> "Node | None":
        return self.nodes.roots().first()

    @property
    def is_curated(self) -> bool:
        return self.origin == self.Origin.CURATED


# UNION (not UNION ALL) drops ids already met, so bad data with a cycle still ends. The walk
# starts from one page of one map's quotes of the source, in the source's order; beyond
# says whether a quote of that map lies past the page (both read along the (source, start)
# index; written out twice, since PostgreSQL materializes a CTE that is read twice).
# A page of one map's quotes of a source, in the source's order from a cursor (a quote's
# start and id, forward or back, on the (source, start) index: no OFFSET walks the pages
# before), with every ancestor of their nodes and its parent.
ARGUMENT_SQL = """
    WITH RECURSIVE quoting(anchor_id, node_id, start) AS (
        SELECT a.id, a.node_id, a.start FROM {anchors} a JOIN {table} q ON q.id = a.node_id
        WHERE a.source_id = %s AND q.map_id = %s AND (a.start, a.id) {compare} (%s, %s)
        ORDER BY a.start {order}, a.id {order} LIMIT %s
    ), up(id, parent_id) AS (
        SELECT n.id, n.parent_id FROM {table} n WHERE n.id IN (SELECT node_id FROM quoting)
        UNION
        SELECT n.id, n.parent_id FROM {table} n JOIN up ON n.id = up.parent_id
    )
    SELECT anchor_id, node_id, start FROM quoting
    UNION ALL
    SELECT NULL, id, parent_id FROM up
"""


SUBTREE_SQL = """
    WITH RECURSIVE tree(id) AS (
        SELECT id FROM {table} WHERE id = %s
        UNION ALL
        SELECT n.id FROM {table} n JOIN tree ON n.parent_id = tree.id
    )
    SELECT id FROM tree
"""


class MapRevision(models.Model):
    """A map's tokens: `token` changes whenever the structure shown in the map's cached
    renders changes, `state` whenever the state shown in their regions does.

    The tokens live in the shared database, so every app server sees a change at once,
    and stale fragments are simply never asked for again. Only fragments.py reads or
    writes them (its docstring states the rules). The model keeps the older word
    "revision" (the glossary's word is token): renaming it is a table and a migration.
    """

    map = models.OneToOneField(
        "debates.ArgumentMap", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.CharField(max_length=32, default=new_token)
    state = models.CharField(max_length=32, default=new_token)

    def __str__(self) -> str:
        return f"{self.map_id}: {self.token}"


class StateChange(models.Model):
    """One change of state shown in a map's regions: which node's regions show it (None:
    every node's) and their topic ("annotations", "strengths"). A map's `state` token is the
    id of its newest change, so a page filled at an older one refills only the regions its
    changes since then reach. Only fragments.py reads or writes them (rules there)."""

    id = models.BigAutoField(primary_key=True)
    # No foreign keys: a change logged while its map or node is deleted is harmless (pruned
    # with the rest), where a key would fail that write at commit or make the delete wait.
    map_id = models.BigIntegerField()
    node_id = models.BigIntegerField(null=True)
    topic = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["map_id", "id"], name="state_change_map_id")]

    def __str__(self) -> str:
        return f"{self.map_id} {self.topic}: {self.node_id or 'every node'}"


class NodeCount(models.Model):
    """How many of a map's nodes bear on their parent by one relation ("" for the thesis):
    kept on every write of nodes, by counts.py alone (its docstring says how), and read by
    home instead of counting the map's nodes."""

    map = models.ForeignKey("debates.ArgumentMap", on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(max_length=10, blank=True)
    number = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["map", "relation"], name="node_count_unique_relation")
        ]

    def __str__(self) -> str:
        return f"{self.map_id} {self.relation or 'thesis'}: {self.number}"


class NodeQuerySet(ContentQuerySet["Node"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        # Locked before Django collects what cascades, so a row added meanwhile to one of
        # these nodes (which holds its node's lock) is collected too (argmap.lib.rows.lock);
        # counted after the locks, so no other write moves them before the delete.
        with locking():
            lock(self)
            gone = counts.tally(self)
            deleted = super().delete()
            counts.removed(gone)
            return deleted

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def update(self, **kwargs: Any) -> int:
        fields = {name.removesuffix("_id") for name in kwargs}
        if fields & {"parent", "position"}:  # their places move: read which, before
            with transaction.atomic():
                moved = list(self.order_by().values_list("pk", flat=True))
                updated = self._update_counted(**kwargs)
                order.refresh(moved)
                return updated
        return self._update_counted(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]

    def _update_counted(self, **kwargs: Any) -> int:
        if not {name.removesuffix("_id") for name in kwargs} & {"map", "relation"}:
            return super().update(**kwargs)
        # The rows' maps before; after, the map they were moved to (a filter on relation
        # may no longer match them, so `self` is not asked again).
        with transaction.atomic():
            maps: set[int | None] = set(self.order_by().values_list("map_id", flat=True).distinct())
            updated = super().update(**kwargs)
            moved_to = kwargs.get("map_id", kwargs.get("map"))
            maps.add(getattr(moved_to, "pk", moved_to))
            counts.recount(maps)
            return updated

    def bulk_create(self, objs: Iterable["Node"], *args: Any, **kwargs: Any) -> list["Node"]:
        with transaction.atomic():
            created = super().bulk_create(objs, *args, **kwargs)
            if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
                counts.recount({node.map_id for node in created})
            else:
                counts.added(Counter((node.map_id, node.relation) for node in created))
            placed = [node.pk for node in created if node.pk is not None]
            if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
                # Rows written without their ids handed back: those of the maps still unplaced.
                unplaced = self.model._default_manager.filter(
                    map_id__in={node.map_id for node in created}, reading_order=b""
                )
                placed += unplaced.values_list("pk", flat=True)
            order.refresh(placed)
            return created

    bulk_create.alters_data = True  # type: ignore[attr-defined]

    def roots(self) -> Self:
        return self.filter(parent__isnull=True)

    def next_position(self) -> int:
        """The position after the last of these nodes (siblings, usually)."""
        last = self.aggregate(last=Max("position"))["last"]
        return 0 if last is None else last + 1

    def unused_key(self, wanted: str) -> str:
        """wanted, or wanted-2, wanted-3…: the first key none of these nodes has."""
        taken = set(self.filter(key__startswith=wanted).values_list("key", flat=True))
        key, number = wanted, 1
        while key in taken:
            number += 1
            key = f"{wanted}-{number}"
        return key

    def ancestor_keys(self) -> dict[int, list[str]]:
        """Each node's ancestors' keys, root first, keyed by node id, from one query."""
        parent_of: dict[int, int | None] = {}
        key_of: dict[int, str] = {}
        for pk, parent_id, key in self.values_list("pk", "parent_id", "key"):
            parent_of[pk], key_of[pk] = parent_id, key
        chains: dict[int, list[str]] = {}
        for pk in parent_of:
            chain: list[str] = []
            seen, current = {pk}, parent_of[pk]
            while current is not None and current in key_of and current not in seen:
                seen.add(current)  # a cycle in bad data ends the walk instead of looping
                chain.append(key_of[current])
                current = parent_of[current]
            chains[pk] = chain[::-1]
        return chains

    def with_child_counts(self) -> Self:
        return self.annotate(
            supports_count=Count(
                "children", filter=Q(children__relation=Node.Relation.SUPPORTS), distinct=True
            ),
            opposes_count=Count(
                "children", filter=Q(children__relation=Node.Relation.OPPOSES), distinct=True
            ),
            undercuts_count=Count(
                "children", filter=Q(children__relation=Node.Relation.UNDERCUTS), distinct=True
            ),
        )

    def for_display(self) -> Self:
        """Everything a node row shows, in a fixed number of queries."""
        return (
            self.with_child_counts()
            .select_related("map")
            .annotate(
                parent_key=models.F("parent__key"),
                # What an undercut attacks: the link from its parent up to the grandparent.
                parent_text=models.F("parent__text"),
                grandparent_text=models.F("parent__parent__text"),
            )
            .prefetch_related(
                models.Prefetch(
                    "anchors",
                    Anchor.objects.select_related("source")
                    .defer("source__text")
                    .with_comment_numbers(),
                )
            )
            .order_by("position", "id")
        )

    def _walk(self, sql: str, node: "Node") -> list["Node"]:
        table = Node._meta.db_table
        return list(self.raw(sql.format(table=table), [node.pk]))

    def ancestors_of(self, node: "Node") -> list["Node"]:
        """The chain from the root down to node's parent, in one recursive query.

        Each step looks its parent up in a scalar subquery: as a join, SQLite (3.38+)
        builds a Bloom filter over the whole table at every step, 10× slower at 10,000 nodes.
        """
        chain = self._walk(
            """
            WITH RECURSIVE chain(id, depth) AS (
                SELECT parent_id, 1 FROM {table} WHERE id = %s AND parent_id IS NOT NULL
                UNION ALL
                SELECT (SELECT n.parent_id FROM {table} n WHERE n.id = chain.id), chain.depth + 1
                FROM chain WHERE chain.id IS NOT NULL
            )
            SELECT n.*, chain.depth AS distance FROM chain JOIN {table} n ON n.id = chain.id
            ORDER BY chain.depth DESC
            """,
            node,
        )
        if Node.map.is_cached(node):
            # The whole chain is in node's map: share it, so their URLs cost no query each.
            for ancestor in chain:
                ancestor.map = node.map
        return chain

    def argument_of(
        self,
        source: Source,
        argmap: ArgumentMap,
        limit: int,
        cursor: tuple[int, int] = (-1, 0),
        back: bool = False,
    ) -> tuple[set[int], tuple[int, int] | None, tuple[int, int] | None, bool]:
        """One page of a source's argument in one map: argmap's quotes of the source in the
        source's order after cursor (a quote's start and id; before it, with back), as many
        as fit in limit nodes with all their ancestors (the first always does), so a page
        is bounded by the nodes it shows, however deep the map. Returns the ids of the
        nodes, the cursors of its first and last quotes, and whether more quotes follow
        on the side it was read towards."""
        table = connection.ops.quote_name(Node._meta.db_table)
        anchors = connection.ops.quote_name(Anchor._meta.db_table)
        sql = ARGUMENT_SQL.format(
            table=table,
            anchors=anchors,
            compare="<" if back else ">",
            order="DESC" if back else "ASC",
        )
        # A quote's node adds at least itself unless an earlier quote showed it: limit + 1
        # quotes are enough to fill the page and to tell whether more follow.
        params = [source.pk, argmap.pk, *cursor, limit + 1]
        with connection.cursor() as db:
            db.execute(sql, params)
            rows = db.fetchall()
        quotes = [(anchor, node, start) for anchor, node, start in rows if anchor is not None]
        parents = {node: parent for anchor, node, parent in rows if anchor is None}
        shown: set[int] = set()
        taken: list[tuple[int, int]] = []
        more = False
        for anchor, node, start in quotes:
            new = []
            while node is not None and node not in shown and node not in new:
                new.append(node)
                node = parents.get(node)
            if taken and len(shown) + len(new) > limit:
                more = True
                break
            shown.update(new)
            taken.append((start, anchor))
        else:
            more = len(quotes) > limit
        if back:
            taken.reverse()
        return shown, (taken[0] if taken else None), (taken[-1] if taken else None), more

    def whole_branch(self, node: "Node", limit: int) -> list[int] | None:
        """Ids of node's whole branch, or None when it has more than limit nodes (found out
        from limit + 1 rows, never by walking the rest)."""
        ids = self.subtree_ids(node, limit=limit)
        return ids if len(ids) <= limit else None

    def subtree_ids(self, node: "Node", limit: int | None = None) -> list[int]:
        """Ids of node and all its descendants, in one recursive query.

        With limit, at most limit + 1 of them: enough to tell a branch is bigger than limit
        without walking the rest of it (the outer LIMIT stops the recursion on PostgreSQL
        and SQLite alike, as the walk yields rows on demand).
        """
        table = connection.ops.quote_name(Node._meta.db_table)
        sql = SUBTREE_SQL.format(table=table)
        params: list[int] = [node.pk]
        if limit is not None:
            sql, params = f"{sql} LIMIT %s", [node.pk, limit + 1]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [pk for (pk,) in cursor.fetchall()]


NodeManagerBase = models.Manager.from_queryset(NodeQuerySet)


class NodeManager(NodeManagerBase["Node"]):
    def get_by_natural_key(self, map_slug: str, key: str) -> "Node":
        return self.get(map__slug=map_slug, key=key)


class Node(UpdateOnlyModel):
    class Kind(models.TextChoices):
        THESIS = "thesis"
        CLAIM = "claim"
        EVIDENCE = "evidence"

    class Relation(models.TextChoices):
        # supports: if the node holds, its parent is more likely to hold.
        # opposes: the node attacks its parent's claim itself (a rebuttal).
        # undercuts: the node attacks the link from its parent to the grandparent: even if
        # the parent holds, it does not bear on the grandparent as claimed.
        SUPPORTS = "supports"
        OPPOSES = "opposes"
        UNDERCUTS = "undercuts"

    map = models.ForeignKey(ArgumentMap, on_delete=models.CASCADE, related_name="nodes")
    key = models.SlugField(max_length=60, help_text="Stable id within the map, used in URLs.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CLAIM)
    text = models.TextField(help_text="One declarative sentence in the map's own words.")
    # A node with children cannot be deleted on its own (RESTRICT); deleting its map
    # deletes the whole tree at once.
    parent = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="children"
    )
    relation = models.CharField(max_length=10, choices=Relation.choices, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order among siblings.")
    label = models.CharField(
        max_length=60, blank=True, help_text="Short branch name, for branch headings."
    )
    is_heading = models.BooleanField(
        "curator-written heading",
        default=False,
        help_text="A branch heading the curators wrote themselves; it needs no anchor.",
    )
    is_implicit = models.BooleanField(
        "implicit premise",
        default=False,
        help_text="A premise an argument needs but its author leaves unstated, written by the "
        "curators (no anchor) so that an attack on it lands where it belongs.",
    )
    scheme = models.CharField(
        "argument scheme",
        max_length=30,
        choices=SCHEME_CHOICES,
        blank=True,
        help_text="The kind of inference from this node to its parent (Walton's schemes).",
    )
    # Set when a curator accepts a reader's proposal, and kept in step with the proposer's
    # wish after (annotations.models.credit_follows_the_proposer): the fixtures are public.
    proposed_by = models.CharField(
        "proposed by",
        max_length=150,
        blank=True,
        editable=False,
        help_text="Whose proposal this node was: the reader's username where they chose to be "
        "credited, “a reader” where not; empty for the curators' own nodes.",
    )

    # Its path from the root in reading order, kept on write by order.py alone (its
    # docstring says how): the export reads a map in the order of its index, unsorted.
    reading_order = models.BinaryField(default=b"", editable=False, serialize=False)

    objects = NodeManager()

    # Set by the pages that attach them (a source's argument, the annotation counts).
    anchors_here: list["Anchor"]
    anchored_count: int
    context_count: int
    public_annotation_count: int

    class Meta:
        ordering = ["map", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["map", "key"], name="node_unique_key_per_map")
        ]
        indexes = [
            models.Index(fields=["parent", "position"]),
            # Counts (counts.tally, counts.recount) read only this index.
            models.Index(fields=["map", "relation"], name="node_map_relation_idx"),
            # The export's order (order.py): a map, or a branch's range of it.
            models.Index(fields=["map", "reading_order"], name="node_map_reading_order_idx"),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    def natural_key(self) -> tuple[str, str]:
        return (*self.map.natural_key(), self.key)

    natural_key.dependencies = [  # type: ignore[attr-defined]
        "debates.argumentmap"
    ]

    def get_absolute_url(self) -> str:
        return slug_url("node", self.map.slug, self.key)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new child, or one that may be moved, holds its parent's lock, so a delete of the
        # parent waits, then finds the child (RESTRICT), instead of failing its foreign key
        # at commit; a parent deleted first: RowGone.
        fields = kwargs.get("update_fields")
        places = self._state.adding or fields is None or bool({"parent", "parent_id"} & {*fields})
        with adding_to(self.parent_id if places else None):
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with locking():  # as NodeQuerySet.delete
            row = Node.objects.filter(pk=self.pk)
            lock(row)
            gone = counts.tally(row)
            deleted = super().delete(*args, **kwargs)
            counts.removed(gone)
            return deleted

    @property
    def is_rebuttal(self) -> bool:
        return self.relation == self.Relation.OPPOSES

    @property
    def is_undercut(self) -> bool:
        return self.relation == self.Relation.UNDERCUTS

    @property
    def display_kind(self) -> str:
        """What a reader calls it: a rebuttal is any node that opposes its parent."""
        if self.kind == self.Kind.THESIS:
            return "thesis"
        if self.is_undercut:
            return "undercut"
        return "rebuttal" if self.is_rebuttal else self.kind

    @property
    def scheme_info(self) -> Scheme | None:
        """The named scheme (name, AIF name, critical questions), or None."""
        return SCHEMES.get(self.scheme)

    @property
    def is_curators(self) -> bool:
        """Written by the curators, not quoted: a branch heading or an implicit premise."""
        return self.is_heading or self.is_implicit

    def would_create_cycle(self, new_parent: "Node | None") -> bool:
        """True when hanging this node under new_parent would put it inside itself."""
        if new_parent is None or self.pk is None:
            return False
        return new_parent.pk in Node.objects.subtree_ids(self)

    def clean(self) -> None:
        """The rules of one node's place in the tree, for every form that edits it."""
        parent = self.parent  # None without a query when parent_id is None
        if parent is None:
            if self.kind != self.Kind.THESIS:
                raise ValidationError({"parent": "Every node but the thesis needs a parent."})
            return
        if self.kind == self.Kind.THESIS:
            raise ValidationError({"parent": "The thesis is the root; it cannot have a parent."})
        if self.map_id is not None and parent.map_id != self.map_id:
            raise ValidationError({"parent": "The parent must be a node of the same map."})
        if self.would_create_cycle(parent):
            raise ValidationError(
                {
                    "parent": "This parent is this node or one of its descendants; "
                    "moving the node there would make a cycle."
                }
            )
        if not self.relation:
            raise ValidationError(
                {"relation": "Say whether this node supports, opposes or undercuts its parent."}
            )
        if self.relation == self.Relation.UNDERCUTS and parent.parent_id is None:
            raise ValidationError(
                {
                    "relation": "An undercut attacks the link from its parent to the "
                    "grandparent; the thesis has no parent, so nothing under it can undercut."
                }
            )
        if self.is_implicit and (self.is_heading or self.kind != self.Kind.CLAIM):
            raise ValidationError(
                {"is_implicit": "An implicit premise is a claim, not a heading or evidence."}
            )
        if self.is_implicit and self.relation != self.Relation.SUPPORTS:
            raise ValidationError(
                {"relation": "An implicit premise supports the argument that needs it."}
            )

    RELATION_WORDS = {
        "supports": "Supports",
        "opposes": "Opposes",
        "undercuts": "Undercuts the link from",
    }

    def link_preview(self) -> str:
        """What a shared link to the node says (a preview's description): how it bears on its
        parent, and its first quote with who says it where. Two queries."""
        parts: list[str] = []
        if self.parent_id:
            parent = Node.objects.only("text").get(pk=self.parent_id)
            parts.append(f"{self.RELATION_WORDS[self.relation]} “{parent.text}”.")
        else:  # the thesis: its own words, not the map page's (the question)
            parts.append(f"The thesis of “{self.map.title}”, weighed claim by claim.")
        first = (
            self.anchors.with_comment_numbers()
            .select_related("source")
            .defer("source__text")
            .order_by("position", "pk")
            .first()
        )
        if first is not None:
            parts.append(f"“{first.exact}” ({first.speaker_label}, {first.source.title})")
        return " ".join(parts)

    def next_anchor_position(self) -> int:
        last = self.anchors.aggregate(last=Max("position"))["last"]
        return 0 if last is None else last + 1


def hold_node(*node_ids: int) -> None:
    """Hold the nodes' locks (in primary-key order) until the transaction ends, for a write
    that adds a row pointing at them (a child, an annotation, a suggestion, a vote, a link, an
    anchor): a delete of one then waits and takes the new row along (argmap.lib.rows.lock).
    RowGone if one is gone."""
    wanted = set(node_ids)
    held = lock(Node.objects.filter(pk__in=wanted), no_key=True)
    if len(held) < len(wanted):
        raise RowGone(Node(pk=min(wanted - set(held))))


def adding_to(*node_ids: int | None) -> AbstractContextManager[Any]:
    """A transaction holding the nodes' locks (hold_node), around the save of a new row
    pointing at them; nothing when there is no node."""
    wanted = [pk for pk in node_ids if pk is not None]
    return _holding(wanted) if wanted else nullcontext()


@contextmanager
def _holding(node_ids: list[int]) -> Iterator[None]:
    with locking():
        hold_node(*node_ids)
        yield


class QuoteSelector(UpdateOnlyModel):
    """A quote of a source: source.text[start:end] == exact, with its prefix and suffix.

    A W3C TextQuoteSelector plus offsets, shared by a node's anchor and a reader's passage
    annotation. Each declares the fields source, start, end, exact, prefix and suffix
    itself: an anchor needs them all, an annotation on a node has none, and each keeps
    its own column order (fixtures and exports list fields in that order).
    """

    source: Any
    start: Any
    end: Any
    exact: Any
    prefix: Any
    suffix: Any

    class Meta:
        abstract = True

    def matches_source(self) -> bool:
        """The selector still selects its words: exact at its offsets, prefix and suffix around."""
        return selector_matches(
            self.source.text, self.start, self.end, self.exact, self.prefix, self.suffix
        )

    def select(self, source: "Source", start: int, end: int) -> None:
        """Point the selector at source.text[start:end]."""
        self.source, self.exact = source, source.text[start:end]
        self.place_at(start)

    def place_at(self, start: int) -> None:
        """Set the offsets, prefix and suffix for exact, starting at start."""
        self.start, self.end = start, start + len(self.exact)
        self.prefix, self.suffix = quote_context(self.source.text, self.start, self.end)

    def place_quote(self, occurrence: int | None = None) -> None:
        """Find exact in the source and set the offsets, prefix and suffix from where it is.

        A quote that matches only with other quote marks takes the source's own
        characters. Raises ValidationError when the quote is missing, or found more than
        once and occurrence (counting from 1) does not say which.
        """
        source, quote = self.source, self.exact
        starts = find_quote(source.text, quote) or find_quote(
            source.text, quote, any_quote_marks=True
        )
        if not starts:
            raise ValidationError(
                f"This quote is not in “{source}”. Paste it exactly as the source has it.",
                code="quote_missing",
            )
        if occurrence is None and len(starts) > 1:
            places = "; ".join(
                f"{number}: …{quote_preview(source.text, start, start + len(quote))}…"
                for number, start in enumerate(starts, start=1)
            )
            raise ValidationError(
                f"This quote appears {len(starts)} times in “{source}”. Paste more of the "
                f"words around it, or give the occurrence number (1–{len(starts)}). {places}",
                code="quote_ambiguous",
            )
        occurrence = occurrence or 1
        if not 1 <= occurrence <= len(starts):
            raise ValidationError(
                f"The quote appears {len(starts)} time(s) in “{source}”; "
                f"there is no occurrence {occurrence}.",
                code="no_such_occurrence",
            )
        start = starts[occurrence - 1]
        self.exact = source.text[start : start + len(quote)]
        self.place_at(start)


class AnchorQuerySet(ContentQuerySet["Anchor"]):
    map_field = "node__map"

    def with_comment_numbers(self) -> Self:
        """Each anchor's comment_number: the position of the reader comment it starts in."""
        comments = Section.objects.filter(
            source=models.OuterRef("source"),
            kind=Section.Kind.COMMENT,
            start__lte=models.OuterRef("start"),
            end__gt=models.OuterRef("start"),
        )
        return self.annotate(comment_position=models.Subquery(comments.values("position")[:1]))


AnchorManagerBase = models.Manager.from_queryset(AnchorQuerySet)


class AnchorManager(AnchorManagerBase["Anchor"]):
    def get_by_natural_key(self, map_slug: str, node_key: str, position: int) -> "Anchor":
        return self.get(node__map__slug=map_slug, node__key=node_key, position=position)


class Anchor(QuoteSelector):
    """A node's grounding in the exact words of a source."""

    class Voice(models.TextChoices):
        # asserts: the author asserts the words as their own. reports: the source only
        # reports someone else's words (the speaker is that someone). concedes: the author
        # grants a point against their own line. A reported view never counts as its reporter's.
        ASSERTS = "asserts"
        REPORTS = "reports"
        CONCEDES = "concedes"

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="anchors")
    position = models.PositiveIntegerField(default=0)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="anchors")
    start = models.PositiveIntegerField(help_text="Code-point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Code-point offset, exclusive.")
    exact = models.TextField()
    prefix = models.CharField(max_length=200, blank=True)
    suffix = models.CharField(max_length=200, blank=True)
    speaker = models.CharField(
        max_length=200,
        help_text="Who asserts the words: the author, a named person, a reader commenter.",
    )
    voice = models.CharField(
        max_length=10,
        choices=Voice.choices,
        default=Voice.ASSERTS,
        help_text="Whether the author asserts, only reports, or concedes the words.",
    )

    objects = AnchorManager()

    class Meta:
        ordering = ["node", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["node", "position"], name="anchor_unique_position"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="anchor_nonempty"),
        ]
        indexes = [
            # The reader's part of a much-quoted source: the quotes over a range of offsets,
            # reaching back by the longest quote's length (reader.reader_context).
            models.Index(fields=["source", "start"], name="anchor_source_start"),
            models.Index(
                models.F("source"),
                (models.F("end") - models.F("start")).desc(),
                name="anchor_source_length",
            ),
        ]

    def __str__(self) -> str:
        return f"“{self.exact[:60]}” ({self.source.slug} {self.start}–{self.end})"

    def natural_key(self) -> tuple[str, str, int]:
        return (*self.node.natural_key(), self.position)

    natural_key.dependencies = [  # type: ignore[attr-defined]
        "debates.node",
        "debates.source",
    ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new anchor holds its node's lock, as every row added to a node (hold_node).
        with adding_to(self.node_id if self._state.adding else None):
            super().save(*args, **kwargs)

    # Speakers that are the source's own voice where they speak; never whom it reports.
    OWN_SPEAKERS = frozenset({"the author", "a reader commenter"})

    @classmethod
    def voice_problem(cls, voice: str | None, speaker: str | None, own: str | None = None) -> str:
        """What is wrong with this voice and speaker together, or "" (one rule, every writer).

        own is the text's own voice where the quote lies ("the author", or "a reader
        commenter" inside a comment): whoever asserts or concedes words is the one writing.
        """
        speaker = (speaker or "").strip()
        if voice not in cls.Voice.values:
            return f"has unknown voice {voice!r} (asserts, reports or concedes)"
        if not speaker:
            return f"is {voice} but names no speaker"
        if voice == cls.Voice.REPORTS and speaker in cls.OWN_SPEAKERS:
            return (
                f"reports someone else's words but gives the speaker as {speaker!r}; "
                "name who is reported (a reported view is never its reporter's)"
            )
        if own is not None and voice != cls.Voice.REPORTS and speaker != own:
            return (
                f"{voice} but gives the speaker as {speaker!r}, where the text's own voice is "
                f"{own!r}; words the text quotes from someone else are reported"
            )
        return ""

    def clean(self) -> None:
        if self.source_id is None or self.start is None:
            return  # the quote is not placed yet; its own error says so, once
        own = self.source.speaker_at(self.start)
        problem = self.voice_problem(self.voice, self.speaker, own)
        if problem:
            raise ValidationError({"speaker": f"This quote {problem}."})

    @property
    def stance(self) -> str:
        return self.node.relation or "thesis"

    @property
    def comment_number(self) -> int | None:
        """The reader comment's number in the thread, derived from its Section (not stored).

        From with_comment_numbers() when the QuerySet annotated it, else from the source's
        sections (one query unless they are prefetched).
        """
        if hasattr(self, "comment_position"):
            number: int | None = self.comment_position
            return number
        return self.source.comment_number_at(self.start)

    @property
    def speaker_label(self) -> str:
        """The speaker as shown, reader comments by number: "a reader commenter" reads
        "reader comment 12", and "X (as quoted by a reader commenter)" names the comment too."""
        number = self.comment_number
        if number is None:
            return self.speaker
        return self.speaker.replace("a reader commenter", f"reader comment {number}")

    @property
    def voice_word(self) -> str:
        """How the quote reads beside its words: "reported", "conceded", or "" when asserted."""
        words: dict[str, str] = {self.Voice.REPORTS: "reported", self.Voice.CONCEDES: "conceded"}
        return words.get(self.voice, "")

    def get_reader_url(self) -> str:
        """The reader at this quote: ?anchor= opens the part of the text holding it (a much-
        quoted source is read in parts), the fragment lights it up."""
        return f"{self.source.get_absolute_url()}?anchor={self.pk}#anchor-{self.pk}"

    def context(self, width: int = 90) -> tuple[str, str]:
        """A few words either side of the quote, cut at word boundaries."""
        return words_around(self.source.text, self.start, self.end, width)

    def context_runs(self, width: int = 90) -> dict[str, bool | list[Run]]:
        """The quote and a few words around it, as runs of the source's formatting."""
        text = self.source.text
        low, high = words_around_bounds(text, self.start, self.end, width)
        shown = markup_intervals(text)
        return {
            "cut_before": low > 0,
            "before": runs(text, low, self.start, shown),
            "exact": runs(text, self.start, self.end, shown),
            "after": runs(text, self.end, high, shown),
            "cut_after": high < len(text),
        }


class LinkQuerySet(ContentQuerySet["Link"]):
    map_field = "map"

    def touching(self, nodes: Any) -> Self:
        """Links with either end among nodes."""
        return self.filter(Q(from_node__in=nodes) | Q(to_node__in=nodes))


LinkManagerBase = models.Manager.from_queryset(LinkQuerySet)


class LinkManager(LinkManagerBase["Link"]):
    def get_by_natural_key(self, map_slug: str, from_key: str, to_key: str, kind: str) -> "Link":
        # Symmetric: fixtures name the ends in reading order, the row stores them by id.
        ends = Q(from_node__key=from_key, to_node__key=to_key) | Q(
            from_node__key=to_key, to_node__key=from_key
        )
        return self.get(ends, map__slug=map_slug, kind=kind)


class Link(UpdateOnlyModel):
    """A cross-link between two nodes of one map, outside the tree; symmetric, stored once."""

    class Kind(models.TextChoices):
        # same_point: two nodes say one thing in different branches. contradicts: they
        # cannot both hold. Both read the same from either end.
        SAME_POINT = "same_point", "same point"
        CONTRADICTS = "contradicts", "contradicts"

    map = models.ForeignKey(ArgumentMap, on_delete=models.CASCADE, related_name="links")
    from_node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="links_from")
    to_node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="links_to")
    kind = models.CharField(max_length=12, choices=Kind.choices)

    objects = LinkManager()

    class Meta:
        ordering = ["map_id", "kind", "from_node_id", "to_node_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_node", "to_node", "kind"], name="link_unique_pair_kind"
            ),
            # The pair is stored once, lower id first; save() puts the ends in that order.
            models.CheckConstraint(
                condition=Q(from_node__lt=models.F("to_node")), name="link_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_node.key} {self.kind} {self.to_node.key}"

    def natural_key(self) -> tuple[str, str, str, str]:
        return (*self.map.natural_key(), self.from_node.key, self.to_node.key, self.kind)

    natural_key.dependencies = [  # type: ignore[attr-defined]
        "debates.node"
    ]

    def other_end(self, node: Node) -> Node:
        return self.to_node if node.pk == self.from_node_id else self.from_node

    def order_ends(self) -> None:
        """Store the pair once: the node with the lower id first."""
        if self.from_node_id and self.to_node_id and self.from_node_id > self.to_node_id:
            # Setting an id drops a cached node of another id, so nothing goes stale.
            self.from_node_id, self.to_node_id = self.to_node_id, self.from_node_id

    def clean(self) -> None:
        """A link joins two different nodes of one map and repeats no tree edge."""
        if self.from_node_id is None or self.to_node_id is None:
            return
        ends = (self.from_node, self.to_node)
        if self.map_id is None:
            self.map_id = ends[0].map_id
        if self.from_node_id == self.to_node_id:
            raise ValidationError("A link joins two different nodes.")
        if ends[0].map_id != ends[1].map_id or (
            self.map_id is not None and ends[0].map_id != self.map_id
        ):
            raise ValidationError("Both ends of a link are nodes of the link's map.")
        if ends[0].parent_id == ends[1].pk or ends[1].parent_id == ends[0].pk:
            raise ValidationError(
                "These nodes are parent and child already; a link never repeats a tree edge."
            )
        self.order_ends()
        twins = Link.objects.filter(
            from_node_id=self.from_node_id, to_node_id=self.to_node_id, kind=self.kind
        ).exclude(pk=self.pk)
        if twins.exists():
            raise ValidationError("These two nodes are linked this way already.")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.map_id is None and self.from_node_id is not None:
            self.map_id = self.from_node.map_id
        self.order_ends()
        # A new link holds both ends' locks (hold_node): a delete of either waits, then takes
        # the link along; an end deleted first: RowGone.
        with adding_to(*((self.from_node_id, self.to_node_id) if self._state.adding else ())):
            super().save(*args, **kwargs)


@receiver(pre_save, sender=Link, dispatch_uid="link-order-ends")
def order_link_ends(
    sender: type["Link"], instance: "Link", raw: bool = False, **kwargs: Any
) -> None:
    """Fixtures load with raw saves that skip save(): order their ends here too."""
    instance.order_ends()

"""Factories for test data. Add to this file; several test modules share it."""

import factory
from django.contrib.auth import get_user_model

from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Source
from argmap.debates.quotes import quote_context, sha256_of

PASSWORD = "a-long-enough-passphrase"
SAMPLE_TEXT = (
    "DeepSeek trained its model on export-controlled H800 chips. "
    "Critics said the cost figure leaves out research. "
    "Supporters said the result still shows real efficiency."
)


User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    slug = factory.Sequence(lambda n: f"source-{n}")
    file = factory.Sequence(lambda n: f"{n:03d}_test.txt")
    title = factory.Sequence(lambda n: f"Test source {n}")
    kind = Source.Kind.ESSAY
    text = SAMPLE_TEXT
    sha256 = factory.LazyAttribute(lambda source: sha256_of(source.text))


class MapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArgumentMap

    slug = factory.Sequence(lambda n: f"map-{n}")
    title = "A test map"
    question = "Is this a test?"


class NodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Node

    map = factory.SubFactory(MapFactory)
    key = factory.Sequence(lambda n: f"node-{n}")
    kind = Node.Kind.CLAIM
    text = factory.Sequence(lambda n: f"Claim number {n} is a declarative sentence.")
    relation = Node.Relation.SUPPORTS
    position = factory.Sequence(lambda n: n)


class ThesisFactory(NodeFactory):
    key = "thesis"
    kind = Node.Kind.THESIS
    text = "This is the thesis."
    relation = ""
    parent = None


class AnchorFactory(factory.django.DjangoModelFactory):
    """An anchor on `quote` (default: the source's first sentence), offsets computed."""

    class Meta:
        model = Anchor
        exclude = ("quote",)

    node = factory.SubFactory(NodeFactory)
    source = factory.SubFactory(SourceFactory)
    quote = factory.LazyAttribute(lambda anchor: anchor.source.text.split(". ")[0])
    start = factory.LazyAttribute(lambda anchor: anchor.source.text.index(anchor.quote))
    end = factory.LazyAttribute(lambda anchor: anchor.start + len(anchor.quote))
    exact = factory.LazyAttribute(lambda anchor: anchor.quote)
    prefix = factory.LazyAttribute(
        lambda anchor: quote_context(anchor.source.text, anchor.start, anchor.end)[0]
    )
    suffix = factory.LazyAttribute(
        lambda anchor: quote_context(anchor.source.text, anchor.start, anchor.end)[1]
    )
    speaker = "the author"
    position = factory.Sequence(lambda n: n)


class LinkFactory(factory.django.DjangoModelFactory):
    """A cross-link between two nodes of one map (save() stores the pair lower id first)."""

    class Meta:
        model = Link

    from_node = factory.SubFactory(NodeFactory)
    to_node = factory.SubFactory(NodeFactory, map=factory.SelfAttribute("..from_node.map"))
    map = factory.SelfAttribute("from_node.map")
    kind = Link.Kind.CONTRADICTS


class PassageAnnotationFactory(factory.django.DjangoModelFactory):
    """A public annotation on a passage: `quote` (default: the first sentence) of a source."""

    class Meta:
        model = "annotations.Annotation"
        exclude = ("quote", "context")

    author = factory.SubFactory(UserFactory)
    source = factory.SubFactory(SourceFactory)
    quote = factory.LazyAttribute(lambda annotation: annotation.source.text.split(". ")[0])
    start = factory.LazyAttribute(lambda annotation: annotation.source.text.index(annotation.quote))
    end = factory.LazyAttribute(lambda annotation: annotation.start + len(annotation.quote))
    exact = factory.LazyAttribute(lambda annotation: annotation.quote)
    context = factory.LazyAttribute(
        lambda annotation: quote_context(annotation.source.text, annotation.start, annotation.end)
    )
    prefix = factory.LazyAttribute(lambda annotation: annotation.context[0])
    suffix = factory.LazyAttribute(lambda annotation: annotation.context[1])
    body = "This passage belongs on the map."


class ProposalFactory(factory.django.DjangoModelFactory):
    """A reader's pending proposal that their annotated passage join the map under target
    (what a suggestion was before issue 24); its quote selector is the annotation's."""

    class Meta:
        model = "annotations.Proposal"

    annotation = factory.SubFactory(PassageAnnotationFactory)
    proposer = factory.LazyAttribute(lambda proposal: proposal.annotation.author)
    target = factory.SubFactory(NodeFactory)
    map = factory.LazyAttribute(lambda proposal: proposal.target.map)
    relation = Node.Relation.OPPOSES
    kind = Node.Kind.EVIDENCE
    text = "The passage shows the point the reader makes."
    source = factory.LazyAttribute(lambda proposal: proposal.annotation.source)
    start = factory.LazyAttribute(lambda proposal: proposal.annotation.start)
    end = factory.LazyAttribute(lambda proposal: proposal.annotation.end)
    exact = factory.LazyAttribute(lambda proposal: proposal.annotation.exact)
    prefix = factory.LazyAttribute(lambda proposal: proposal.annotation.prefix)
    suffix = factory.LazyAttribute(lambda proposal: proposal.annotation.suffix)


class AnnotationFactory(factory.django.DjangoModelFactory):
    """A public comment on a node. For a passage: node=None, then .set_passage(source, a, b)."""

    class Meta:
        model = "annotations.Annotation"

    author = factory.SubFactory(UserFactory)
    node = factory.SubFactory(NodeFactory)
    kind = "comment"
    body = factory.Sequence(lambda n: f"Annotation number {n}, in **Markdown**.")
    visibility = "public"


def thesis_with_children(slug, *children):
    """A map whose thesis ("thesis", "The thesis holds.") has the children given as
    (key, relation), in that order: (the map, its nodes by key)."""
    argmap = MapFactory(slug=slug)
    thesis = ThesisFactory(map=argmap, key="thesis", text="The thesis holds.")
    nodes = [thesis] + [
        NodeFactory(map=argmap, parent=thesis, relation=relation, key=key, position=position)
        for position, (key, relation) in enumerate(children)
    ]
    return argmap, {node.key: node for node in nodes}

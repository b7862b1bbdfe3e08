from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from argmap.accounts.models import Notification
from argmap.debates import fragments
from argmap.debates.fragments import ContentQuerySet
from argmap.debates.models import (
    Anchor,
    Link,
    Node,
    QuoteSelector,
    Source,
    adding_to,
    hold_node,
)
from argmap.lib.markdown import render_markdown
from argmap.lib.rows import RowGone, UpdateOnlyModel, lock, locking

if TYPE_CHECKING:
    from django.db.models.base import ModelBase

    from argmap.accounts.models import User

    # Who reads a page: a signed-in user or a visitor.
    Viewer = User | AnonymousUser

BODY_LIMIT = 10_000


def public_and_shown() -> Q:
    """The annotations everyone may see: public, and not hidden by moderators."""
    return Q(visibility=Annotation.Visibility.PUBLIC, is_hidden=False)


class AnnotationQuerySet(ContentQuerySet["Annotation"]):
    # Public annotations are counted on a map's pages, in state regions (their writes change
    # the map's state token, never its structure); private ones are not shown.
    map_field = "node__map"
    bumps = "state"
    node_field, topic = "node", "annotations"  # a write refills its node's regions alone
    shown_fields = frozenset({"visibility", "is_hidden", "node"})

    def shown(self) -> Self:
        return self.public().filter(node__isnull=False)

    def delete(self) -> tuple[int, dict[str, int]]:
        with locking():
            lock_for_delete(self)
            return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def visible_to(self, user: "Viewer") -> Self:
        """Public and not hidden, plus everything of the user's own."""
        shown = public_and_shown()
        if user.is_authenticated:
            shown |= Q(author=user)
        return self.filter(shown)

    def public(self) -> Self:
        return self.filter(public_and_shown())

    def for_listing(self) -> Self:
        return (
            self.select_related("author", "node__map", "source", "proposal__target")
            .defer("source__text")
            .order_by("-created", "-pk")
        )

    def published(self) -> Self:
        """Public, shown annotations with a target (a passage or a node), in id order, ready
        for published_item(): what the Web Annotation export and the read API publish."""
        return (
            self.public()
            .filter(Q(node__isnull=False) | Q(source__isnull=False))
            .select_related("author", "node__map", "source")
            .only(
                *("id", "kind", "body", "visibility", "is_hidden", "created", "updated"),
                *("start", "end", "exact", "prefix", "suffix", "author__username"),
                *("node__key", "node__map__slug", "source__slug"),
            )
            .order_by("pk")
        )

    def for_viewer(self, user: "Viewer") -> Self:
        """What user may see, ready to list, each marked with whether user has flagged it."""
        shown = self.visible_to(user).for_listing()
        if not user.is_authenticated:
            return shown.annotate(viewer_flagged=models.Value(False))
        mine = Flag.objects.filter(annotation=OuterRef("pk"), flagged_by=user)
        return shown.annotate(viewer_flagged=Exists(mine))


class Annotation(QuoteSelector):
    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        AGREE = "agree", "Agree"
        DISAGREE = "disagree", "Disagree"
        QUESTION = "question", "Question"
        SOURCE_NEEDED = "source-needed", "Source needed"
        FALLACY = "fallacy", "Fallacy"

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private (only me)"
        PUBLIC = "public", "Public"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotations"
    )
    # A curator may delete the node; the annotation then stays, detached, for its author.
    node = models.ForeignKey(
        Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="annotations"
    )
    node_text = models.TextField(blank=True, help_text="The node's text when annotated.")
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="annotations"
    )
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    exact = models.TextField(blank=True)  # empty for an annotation on a node
    prefix = models.CharField(max_length=200, blank=True)
    suffix = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMMENT)
    fallacy = models.CharField(
        max_length=100, blank=True, help_text="Which fallacy, for the fallacy type."
    )
    body = models.TextField(validators=[MaxLengthValidator(BODY_LIMIT)])
    body_html = models.TextField(editable=False, default="")
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    is_hidden = models.BooleanField("hidden by moderators", default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(node__isnull=False) & Q(source__isnull=False)),
                name="annotation_targets_node_or_passage",
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=True) | Q(end__gt=models.F("start")),
                name="annotation_passage_nonempty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author} on {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Rendered once, on write; pages show body_html and never render Markdown.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.body_html = render_markdown(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        if not self.node_text and self.node is not None:  # no query when node_id is None
            self.node_text = self.node.text
        # A node deleted meanwhile: RowGone, nothing stored (docs/architecture.md).
        with adding_to(self.node_id if self._state.adding else None):
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with locking():
            lock_for_delete(Annotation.objects.filter(pk=self.pk))
            return super().delete(*args, **kwargs)

    @property
    def is_passage(self) -> bool:
        return self.source_id is not None

    @property
    def is_detached(self) -> bool:
        return not self.source_id and not self.node_id

    @property
    def target_label(self) -> str:
        if self.source is not None:
            return f"“{self.exact[:50]}” in {self.source.title}"
        if self.node is not None:
            return self.node.text[:60]
        return f"a removed node (“{self.node_text[:50]}”)"

    @property
    def stance(self) -> str:
        return "note"

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    def get_absolute_url(self) -> str:
        if self.source is not None:
            return f"{self.source.get_absolute_url()}#annotation-{self.pk}"
        if self.node is not None:
            return f"{self.node.get_absolute_url()}#annotation-{self.pk}"
        return reverse("annotation", args=[self.pk])

    def published_item(self) -> dict[str, Any]:
        """The annotation as formats.webannotation.public_annotations takes it (a plain
        dict); only for public, shown annotations (AnnotationQuerySet.published)."""
        item: dict[str, Any] = {
            "id": self.pk,
            "kind": self.kind,
            "body": self.body,
            "author": self.author.username,
            "visibility": self.visibility,
            "is_hidden": self.is_hidden,
            "created": self.created.isoformat(),
            "modified": self.updated.isoformat(),
        }
        if self.source is not None:
            item |= {"source": self.source.slug, "start": self.start, "end": self.end}
            item |= {"exact": self.exact, "prefix": self.prefix, "suffix": self.suffix}
        else:
            assert self.node is not None, "an annotation is on a passage or a node"
            item |= {"map": self.node.map.slug, "node": self.node.key}
        return item

    def set_passage(self, source: Source, start: int, end: int) -> None:
        """Point the annotation at source.text[start:end], with its quote selector."""
        self.node = None
        self.select(source, start, end)

    def can_edit(self, user: "Viewer") -> bool:
        return user.is_authenticated and user.pk == self.author_id

    def is_visible_to(self, user: "Viewer") -> bool:
        if user.is_authenticated and user.pk == self.author_id:
            return True
        return self.is_public and not self.is_hidden

    def can_flag(self, user: "Viewer") -> bool:
        return user.is_authenticated and user.pk != self.author_id and self.is_visible_to(user)

    def flag(self, user: "User", reason: str = "") -> "Flag":
        """Record user's flag once; a second flag by the same user changes nothing.

        The annotation's row is locked first, so a flag never lands on one deleted meanwhile.
        """
        with transaction.atomic():
            if not Annotation.objects.select_for_update().filter(pk=self.pk).exists():
                raise RowGone(self)
            flag, _ = Flag.objects.get_or_create(
                annotation=self, flagged_by=user, defaults={"reason": reason[:300]}
            )
        return flag


def lock_for_delete(annotations: "models.QuerySet[Annotation]") -> None:
    """Lock annotations, then their proposals, before Django collects what cascades:
    a flag added meanwhile (Annotation.flag holds the annotation's lock) goes with them, and
    a curator deciding the proposal finishes first or finds it detached."""
    lock(annotations)
    lock(Proposal.objects.filter(annotation__in=annotations.values("pk")))


class Flag(UpdateOnlyModel):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["annotation", "flagged_by"], name="flag_once_per_user")
        ]

    def __str__(self) -> str:
        return f"Flag by {self.flagged_by} on annotation {self.annotation_id}"


def published_passages(source_slugs: list[str]) -> list[dict[str, Any]]:
    """Public, shown passage annotations on these sources, as the Web Annotation export takes
    them (plain dicts). Registered in AnnotationsConfig.ready() as a debates pages hook."""
    rows = Annotation.objects.published().filter(source__slug__in=source_slugs, node__isnull=True)
    return [row.published_item() for row in rows]


def username_before_save(
    sender: "ModelBase", instance: "User", update_fields: Any = None, **kwargs: Any
) -> None:
    """pre_save of a user: the name they had, when this save may change it (a log-in saves
    only last_login, and reads nothing here)."""
    if instance.pk is None or (update_fields is not None and "username" not in update_fields):
        return
    before = (
        type(instance)._default_manager.filter(pk=instance.pk).values_list("username", flat=True)
    )
    instance.__dict__["_username_before"] = next(iter(before), None)


def credit_follows_the_proposer(
    sender: "ModelBase",
    instance: "User",
    created: bool = False,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    """post_save of a user: the nodes their accepted proposals became carry the credit they
    choose now (a new name, or credit turned on or off), since the fixtures are public. A
    log-in saves only last_login and costs nothing here."""
    if created or (
        update_fields is not None and not {"username", "credit_proposals"} & set(update_fields)
    ):
        return
    _credit_nodes(instance, instance.credit())


def deleted_proposer_is_a_reader(sender: "ModelBase", instance: "User", **kwargs: Any) -> None:
    """pre_delete of a user: their name leaves the nodes their proposals became."""
    _credit_nodes(instance, instance.ANONYMOUS_CREDIT)


def _credit_nodes(user: "User", credit: str) -> None:
    accepted = Proposal.objects.filter(proposer=user, created_node__isnull=False)
    nodes = Node.objects.filter(pk__in=accepted.values("created_node")).exclude(proposed_by=credit)
    nodes.update(proposed_by=credit)  # a content write: the maps' structure tokens move


def renamed_author_refreshes_maps(sender: "ModelBase", instance: "User", **kwargs: Any) -> None:
    """post_save of a user: a new name changes the state token of every map that shows one
    of their public annotations (claim pages' panels are state regions, names included)."""
    before = instance.__dict__.pop("_username_before", None)
    if before is not None and before != instance.username:
        fragments.state_changed(
            Annotation.objects.filter(author=instance).map_ids(), "annotations", nodes=None
        )


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def pending(self) -> Self:
        return self.filter(state=Proposal.State.PENDING)

    def for_listing(self) -> Self:
        return self.select_related(
            "map", "target__map", "other__map", "source", "created_node__map", "merged_into__map"
        ).defer("source__text")


class Proposal(QuoteSelector):
    """A reader's proposed argument on a node of a map, for the curators to decide.

    A new child of the target (supports, opposes, undercuts) or a cross-link from it to
    another node (same point, contradicts), in the reader's words, optionally grounded in a
    passage of a source (the quote selector, checked verbatim as a passage annotation's is).
    It becomes curated content only when a curator accepts it (the node or link, with the
    passage as its anchor) or merges it (the passage becomes an anchor of an existing node).
    """

    class Relation(models.TextChoices):
        SUPPORTS = "supports", "supports it (a new child)"
        OPPOSES = "opposes", "opposes it (a new rebuttal)"
        UNDERCUTS = "undercuts", "undercuts it (attacks its link to its parent)"
        SAME_POINT = "same_point", "makes the same point as another node"
        CONTRADICTS = "contradicts", "contradicts another node"

    CHILD_RELATIONS = frozenset({Relation.SUPPORTS, Relation.OPPOSES, Relation.UNDERCUTS})

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        ACCEPTED = "accepted", "accepted"
        MERGED = "merged", "merged"
        REJECTED = "rejected", "rejected"

    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposals"
    )
    # The map counts the proposer's quota even after a curator deletes the target (a
    # suggestion made before proposals whose target was gone has none).
    map = models.ForeignKey(
        "debates.ArgumentMap", on_delete=models.CASCADE, null=True, related_name="+"
    )
    target = models.ForeignKey(
        Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    target_text = models.TextField(blank=True, help_text="The target's text when proposed.")
    relation = models.CharField(max_length=12, choices=Relation.choices)
    other = models.ForeignKey(
        Node,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The other end of a proposed link.",
    )
    text = models.CharField(max_length=500, help_text="The argument, as one declarative sentence.")
    kind = models.CharField(
        max_length=10,
        choices=[(Node.Kind.CLAIM, "Claim"), (Node.Kind.EVIDENCE, "Evidence")],
        blank=True,
        help_text="What the new node is; blank: evidence for a quoted support, else a claim.",
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    exact = models.TextField(blank=True)
    prefix = models.CharField(max_length=200, blank=True)
    suffix = models.CharField(max_length=200, blank=True)
    # A proposal made with a passage annotation (a suggestion, before issue 24) keeps it.
    annotation = models.OneToOneField(
        Annotation, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposal"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True, help_text="The curator's reason; the proposer sees it.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_proposals",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_node = models.ForeignKey(
        Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_into = models.ForeignKey(
        Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["proposer", "map", "state"], name="proposal_quota"),
            models.Index(fields=["state", "created"], name="proposal_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__isnull=True) | Q(end__gt=models.F("start")),
                name="proposal_passage_nonempty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_relation_display()}: {self.text[:60]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.target_text and self.target is not None:  # no query when target_id is None
            self.target_text = self.target.text
        super().save(*args, **kwargs)

    def hold_nodes(self, also: int | None = None) -> None:
        """Hold the locks of the nodes this proposal points at (and also, the node a merge
        anchors it to), in primary-key order (nodes come first, docs/architecture.md "Writes
        that race"): a delete of any waits, then finds the proposal. ValidationError when one
        is gone."""
        try:
            hold_node(*{pk for pk in (self.target_id, self.other_id, also) if pk})
        except RowGone:
            raise ValidationError(
                "A node this proposal points at was deleted meanwhile; reject the "
                "proposal with a reason.",
                code="target_gone",
            ) from None

    @property
    def is_link(self) -> bool:
        return self.relation not in self.CHILD_RELATIONS

    @property
    def has_passage(self) -> bool:
        return self.source_id is not None

    def get_absolute_url(self) -> str:
        return f"{reverse('proposals')}#proposal-{self.pk}"

    # Writes: a proposal, and the curators' three decisions. -----------------------------

    def submit(self, limit: int) -> None:
        """Save this new proposal unless its proposer already has limit pending on its map.

        The proposer's row is locked first, so concurrent posts by one reader are counted one
        after another and never pass the limit together.
        """
        from django.contrib.auth import get_user_model

        with transaction.atomic():
            self.hold_nodes()
            users = get_user_model().objects.select_for_update()
            list(users.filter(pk=self.proposer_id).values_list("pk", flat=True))
            pending = Proposal.objects.pending().filter(proposer_id=self.proposer_id, map=self.map)
            if pending.count() >= limit:
                raise ValidationError(
                    f"You have {limit} proposals waiting for the curators on this map, the "
                    "most one reader may have; wait until they have decided some.",
                    code="quota",
                )
            self.save()

    def check_decidable(self) -> None:
        """Raise ValidationError unless a curator can still decide this proposal."""
        if self.state != self.State.PENDING:
            raise ValidationError(f"This proposal was already {self.state}.", code="decided")

    def _locked(self, also: int | None = None) -> "Proposal":
        """This proposal's row, locked after the nodes it points at (and also), re-read: a
        decision is taken on what is stored now (a second curator's decision waits, then is
        refused)."""
        self.hold_nodes(also)
        fresh = Proposal.objects.select_for_update().filter(pk=self.pk).first()
        if fresh is None:
            raise ValidationError("This proposal was deleted meanwhile.", code="gone")
        fresh.check_decidable()
        return fresh

    def _live(self, node_id: int | None, what: str) -> Node:
        node = Node.objects.select_related("map").filter(pk=node_id).first() if node_id else None
        if node is None:
            raise ValidationError(
                f"The {what} was deleted meanwhile; reject the proposal with a reason.",
                code="target_gone",
            )
        return node

    def accept(self, curator: "User", text: str | None = None, kind: str | None = None) -> Node:
        """Create the node (with the passage as its anchor) or the link where proposed.

        The curator may edit the text first. Refused with a message when the proposal was
        decided or its target deleted meanwhile. Returns the new node, or the link's near end.
        """
        with transaction.atomic():
            fresh = self._locked()
            target = self._live(fresh.target_id, "node it was proposed on")
            text = (text if text is not None else fresh.text).strip()
            if not text:
                raise ValidationError("Write the argument as one sentence.", code="empty")
            if fresh.is_link:
                other = self._live(fresh.other_id, "other end of the link")
                link = Link(map=target.map, from_node=target, to_node=other, kind=fresh.relation)
                link.clean()
                link.save()
                fresh._decide(curator, self.State.ACCEPTED)
                self.refresh_from_db()
                return target
            if target.map.is_curated and not fresh.has_passage:
                raise ValidationError(
                    "A curated map anchors every node in its sources, and this proposal quotes "
                    "no passage: merge it into the node it repeats, or reject it.",
                    code="no_passage",
                )
            if fresh.has_passage and not fresh.matches_source():
                raise ValidationError("The quoted passage no longer matches the source’s text.")
            node = Node(
                map=target.map,
                key=target.map.nodes.unused_key(slugify(text)[:50].strip("-") or "proposed"),
                kind=kind or fresh.kind or fresh.default_kind(),
                text=text,
                parent=target,
                relation=fresh.relation,
                position=target.children.next_position(),
                proposed_by=fresh.proposer.credit(),
            )
            node.clean()
            node.save()
            if fresh.has_passage:
                fresh.anchor_to(node)
            fresh._decide(curator, self.State.ACCEPTED, created_node=node)
        self.refresh_from_db()
        return node

    def merge(self, curator: "User", node: Node | None) -> None:
        """The proposal repeats node: its passage becomes one more anchor of node (when it
        has one the node lacks), and the proposal is marked merged into it."""
        with transaction.atomic():
            fresh = self._locked(also=node.pk if node else None)
            node = self._live(node.pk if node else None, "node to merge into")
            if node.map_id != fresh.map_id:
                raise ValidationError("Merge into a node of the same map.", code="other_map")
            if fresh.has_passage:
                if not fresh.matches_source():
                    raise ValidationError("The quoted passage no longer matches the source’s text.")
                assert fresh.source_id is not None, "a passage names its source"
                assert fresh.start is not None and fresh.end is not None
                quoted = node.anchors.filter(
                    source_id=fresh.source_id, start=fresh.start, end=fresh.end
                )
                if not quoted.exists():
                    fresh.anchor_to(node)
            fresh._decide(curator, self.State.MERGED, merged_into=node)
        self.refresh_from_db()

    def reject(self, curator: "User", reason: str) -> None:
        """Record the rejection with its reason, which the proposer reads."""
        if not (reason or "").strip():
            raise ValidationError("Say why; the proposer reads the reason.", code="no_reason")
        with transaction.atomic():
            fresh = self._locked()
            fresh._decide(curator, self.State.REJECTED, reason=reason.strip())
        self.refresh_from_db()

    def default_kind(self) -> str:
        """What the new node is: evidence when it quotes a passage in support, else a claim."""
        if self.relation == self.Relation.SUPPORTS and self.has_passage:
            return Node.Kind.EVIDENCE
        return Node.Kind.CLAIM

    def anchor_to(self, node: Node) -> Anchor:
        assert self.source is not None and self.start is not None, "called with a passage only"
        anchor = Anchor(
            node=node, source=self.source, exact=self.exact, position=node.next_anchor_position()
        )
        anchor.place_at(self.start)
        anchor.speaker = self.source.speaker_at(self.start)
        anchor.save()
        return anchor

    def _decide(self, curator: "User", state: str, **fields: Any) -> None:
        for name, value in {
            "state": state,
            "decided_by": curator,
            "decided_at": timezone.now(),
            **fields,
        }.items():
            setattr(self, name, value)
        self.save()
        Notification.tell(self.proposer, self.decision_text(), self.get_absolute_url())

    def decision_text(self) -> str:
        """What the proposer is told: the decision, in a sentence."""
        what = f"Your proposal “{self.text[:80]}”"
        if self.state == self.State.ACCEPTED:
            return f"{what} was accepted: it is now in the map."
        if self.state == self.State.MERGED:
            assert self.merged_into is not None, "a merged proposal names its node"
            return f"{what} was merged into an existing node, “{self.merged_into.text[:80]}”."
        return f"{what} was rejected: {self.reason}"

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from argmap.debates import fragments
from argmap.debates.fragments import ContentQuerySet
from argmap.debates.models import Anchor, Node, QuoteSelector, Source
from argmap.lib.markdown import render_markdown
from argmap.lib.rows import RowGone, UpdateOnlyModel

BODY_LIMIT = 10_000


def public_and_shown():
    """The annotations everyone may see: public, and not hidden by moderators."""
    return Q(visibility=Annotation.Visibility.PUBLIC, is_hidden=False)


class AnnotationQuerySet(ContentQuerySet["Annotation"]):
    # Public annotations are counted on a map's cached tree; private ones are not shown.
    map_field = "node__map"
    shown_fields = frozenset({"visibility", "is_hidden", "node"})

    def shown(self):
        return self.public().filter(node__isnull=False)

    def visible_to(self, user):
        """Public and not hidden, plus everything of the user's own."""
        shown = public_and_shown()
        if user.is_authenticated:
            shown |= Q(author=user)
        return self.filter(shown)

    def public(self):
        return self.filter(public_and_shown())

    def for_listing(self):
        return (
            self.select_related("author", "node__map", "source", "suggestion__target")
            .defer("source__text")
            .order_by("-created", "-pk")
        )

    def published(self):
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

    def for_viewer(self, user):
        """What user may see, ready to list, each marked with whether user has flagged it."""
        shown = self.visible_to(user).for_listing()
        if not user.is_authenticated:
            return shown.annotate(viewer_flagged=models.Value(False))
        mine = Flag.objects.filter(annotation=OuterRef("pk"), flagged_by=user)
        return shown.annotate(viewer_flagged=Exists(mine))


def with_public_annotation_counts(nodes):
    """Each node's count of public, unhidden annotations, as one correlated subquery.

    Registered in AnnotationsConfig.ready() as a node-row hook of the debates pages.
    """
    public = (
        Annotation.objects.public()
        .filter(node=OuterRef("pk"))
        .order_by()
        .values("node")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return nodes.annotate(public_annotation_count=Coalesce(models.Subquery(public), 0))


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

    def __str__(self):
        return f"{self.get_kind_display()} by {self.author} on {self.target_label}"

    def save(self, *args, **kwargs):
        # Rendered once, on write; pages show body_html and never render Markdown.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.body_html = render_markdown(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        if self.node_id and not self.node_text:
            self.node_text = self.node.text
        super().save(*args, **kwargs)

    @property
    def is_passage(self):
        return self.source_id is not None

    @property
    def is_detached(self):
        return not self.source_id and not self.node_id

    @property
    def target_label(self):
        if self.source_id:
            return f"“{self.exact[:50]}” in {self.source.title}"
        if self.node_id:
            return self.node.text[:60]
        return f"a removed node (“{self.node_text[:50]}”)"

    @property
    def stance(self):
        return "note"

    @property
    def is_public(self):
        return self.visibility == self.Visibility.PUBLIC

    def get_absolute_url(self):
        if self.source_id:
            return f"{self.source.get_absolute_url()}#annotation-{self.pk}"
        if self.node_id:
            return f"{self.node.get_absolute_url()}#annotation-{self.pk}"
        return reverse("annotation", args=[self.pk])

    def published_item(self):
        """The annotation as formats.webannotation.public_annotations takes it (a plain
        dict); only for public, shown annotations (AnnotationQuerySet.published)."""
        item = {
            "id": self.pk,
            "kind": self.kind,
            "body": self.body,
            "author": self.author.username,
            "visibility": self.visibility,
            "is_hidden": self.is_hidden,
            "created": self.created.isoformat(),
            "modified": self.updated.isoformat(),
        }
        if self.source_id:
            item |= {"source": self.source.slug, "start": self.start, "end": self.end}
            item |= {"exact": self.exact, "prefix": self.prefix, "suffix": self.suffix}
        else:
            item |= {"map": self.node.map.slug, "node": self.node.key}
        return item

    def set_passage(self, source, start, end):
        """Point the annotation at source.text[start:end], with its quote selector."""
        self.node = None
        self.select(source, start, end)

    def can_edit(self, user):
        return user.is_authenticated and user.pk == self.author_id

    def is_visible_to(self, user):
        if user.is_authenticated and user.pk == self.author_id:
            return True
        return self.is_public and not self.is_hidden

    def can_flag(self, user):
        return user.is_authenticated and user.pk != self.author_id and self.is_visible_to(user)

    def flag(self, user, reason=""):
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

    def __str__(self):
        return f"Flag by {self.flagged_by} on annotation {self.annotation_id}"


class SuggestionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Suggestion.Status.PENDING)


class Suggestion(UpdateOnlyModel):
    """A reader's proposal that a passage join the map, for curators to accept or reject."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    annotation = models.OneToOneField(
        Annotation, on_delete=models.CASCADE, related_name="suggestion"
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestions"
    )
    # A curator may delete the target; the suggestion stays, to be rejected with a reason.
    target = models.ForeignKey(
        Node,
        on_delete=models.SET_NULL,
        null=True,
        related_name="suggestions",
        help_text="The parent node.",
    )
    relation = models.CharField(max_length=10, choices=Node.Relation.choices)
    kind = models.CharField(
        max_length=10,
        choices=[(Node.Kind.EVIDENCE, "Evidence"), (Node.Kind.CLAIM, "Claim")],
        default=Node.Kind.EVIDENCE,
    )
    proposed_text = models.CharField(
        max_length=500, help_text="The point, as one declarative sentence."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True, help_text="Why it was rejected; the suggester sees it.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_suggestions",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_node = models.ForeignKey(
        Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["status", "-created"]

    def __str__(self):
        target = self.target or "a removed node"
        return f"{self.get_relation_display()} “{target}”: {self.proposed_text[:60]}"

    def check_acceptable(self):
        """Raise ValidationError unless accepting would work; accept() checks the same."""
        if self.status != self.Status.PENDING:
            raise ValidationError(f"This suggestion was already {self.status}.")
        if self.target_id is None:
            raise ValidationError("The node it was suggested for has been removed; reject it.")
        if not self.proposed_text.strip():
            raise ValidationError({"proposed_text": "Write the point as one sentence."})
        if self.relation == Node.Relation.UNDERCUTS and self.target.parent_id is None:
            raise ValidationError(
                {"relation": "Only a node with a parent can be undercut; choose opposes."}
            )
        annotation = self.annotation
        if not annotation.is_passage:
            raise ValidationError("The suggestion quotes no passage; there is nothing to anchor.")
        if not annotation.matches_source():
            raise ValidationError("The quoted passage no longer matches the source's text.")

    def accept(self, reviewer):
        """Add the suggested node under the target, anchored to the quoted passage.

        Node and anchor are written in one transaction; the suggestion records the node
        and who accepted it, which credits the suggester. Returns the new node.
        """
        self.check_acceptable()
        annotation, target = self.annotation, self.target
        with transaction.atomic():
            node = Node.objects.create(
                map=target.map,
                key=target.map.nodes.unused_key(
                    slugify(self.proposed_text)[:50].strip("-") or "suggested"
                ),
                kind=self.kind,
                text=self.proposed_text.strip(),
                parent=target,
                relation=self.relation,
                position=target.children.next_position(),
            )
            anchor = Anchor(node=node, source=annotation.source, exact=annotation.exact)
            anchor.place_at(annotation.start)
            anchor.speaker = annotation.source.speaker_at(annotation.start)
            anchor.save()
            self._review(reviewer, self.Status.ACCEPTED, created_node=node)
        return node

    def reject(self, reviewer, reason):
        """Record the rejection and its reason, which the suggester sees on their profile."""
        if not reason.strip():
            raise ValidationError({"reason": "Say why; the suggester sees the reason."})
        self._review(reviewer, self.Status.REJECTED, reason=reason.strip())

    def _review(self, reviewer, status, **fields):
        # Only a pending suggestion changes, so two curators cannot both decide it.
        decided = Suggestion.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=status, reviewed_by=reviewer, reviewed_at=timezone.now(), **fields
        )
        if not decided:
            raise ValidationError("Someone else reviewed this suggestion first.")
        self.refresh_from_db()


def published_passages(source_slugs):
    """Public, shown passage annotations on these sources, as the Web Annotation export takes
    them (plain dicts). Registered in AnnotationsConfig.ready() as a debates pages hook."""
    rows = Annotation.objects.published().filter(source__slug__in=source_slugs, node__isnull=True)
    return [row.published_item() for row in rows]


def username_before_save(sender, instance, update_fields=None, **kwargs):
    """pre_save of a user: the name they had, when this save may change it (a log-in saves
    only last_login, and reads nothing here)."""
    if instance.pk is None or (update_fields is not None and "username" not in update_fields):
        return
    before = sender._default_manager.filter(pk=instance.pk).values_list("username", flat=True)
    instance._username_before = next(iter(before), None)


def renamed_author_refreshes_maps(sender, instance, **kwargs):
    """post_save of a user: a new name changes the token of every map that shows one of
    their public annotations (claim pages are cached whole, names included)."""
    before = instance.__dict__.pop("_username_before", None)
    if before is not None and before != instance.username:
        fragments.bump(Annotation.objects.filter(author=instance).map_ids())

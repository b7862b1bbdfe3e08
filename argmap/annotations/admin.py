"""Moderation of readers' annotations and flags, and the curators' queue of proposals."""

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, When
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from argmap.debates import search
from argmap.debates.models import Node

from .models import Annotation, Flag, Proposal

# Private annotations are their author's alone, as the profile promises: the admin neither
# lists, searches, opens nor acts on them, nor on flags that carry one. (A proposal never
# shows its annotation's body, only the passage it quotes.)
PUBLIC = Annotation.Visibility.PUBLIC


class FlagInline(admin.TabularInline):
    model = Flag
    fields = ("flagged_by", "reason", "created")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    """Staff hide and unhide; the words stay the author's, so nothing else is editable."""

    inlines = [FlagInline]
    list_display = ["pk", "author", "kind", "target", "visibility", "is_hidden", "flag_count"]
    list_display += ["created"]
    # A node's annotations belong to its map (a passage's to its document, which maps share).
    list_filter = ["node__map", "is_hidden", "visibility", "kind"]
    search_fields = ["body", "exact", "author__username"]
    actions = ["hide", "unhide"]
    fields = (
        "author",
        "kind",
        "fallacy",
        "visibility",
        "is_hidden",
        "target",
        "body",
        "body_html",
        "created",
        "updated",
    )
    readonly_fields = tuple(name for name in fields if name != "is_hidden")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(visibility=PUBLIC)
        queryset = queryset.select_related("author", "node", "source").defer("source__text")
        return queryset.annotate(flag_count=Count("flags"))

    def has_add_permission(self, request):
        return False

    @admin.display(description="on")
    def target(self, annotation):
        return annotation.target_label

    @admin.display(description="flags", ordering="flag_count")
    def flag_count(self, annotation):
        return annotation.flag_count

    def _set_hidden(self, request, queryset, hidden):
        changing = list(queryset.filter(is_hidden=not hidden))
        for annotation in changing:
            self.log_change(request, annotation, "Hidden" if hidden else "Unhidden")
        Annotation.objects.filter(pk__in=[a.pk for a in changing]).update(is_hidden=hidden)
        word = "Hid" if hidden else "Unhid"
        self.message_user(request, f"{word} {len(changing)} annotation(s).", messages.SUCCESS)

    @admin.action(description="Hide the selected annotations", permissions=["change"])
    def hide(self, request, queryset):
        self._set_hidden(request, queryset, hidden=True)

    @admin.action(description="Unhide the selected annotations", permissions=["change"])
    def unhide(self, request, queryset):
        self._set_hidden(request, queryset, hidden=False)


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["annotation", "flagged_by", "reason", "created"]
    list_filter = ["annotation__node__map"]
    list_select_related = ["annotation__author", "annotation__node", "flagged_by"]
    fields = ("annotation", "flagged_by", "reason", "created")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(annotation__visibility=PUBLIC)

    def has_add_permission(self, request):
        return False


class ProposalForm(forms.ModelForm):
    """The curator's decision: accept (the text editable first), merge into an existing node
    (one of the similar nodes offered, or any node by key), or reject with a reason.

    Its fields are the decision's, not the proposal's: the row changes only through
    Proposal.accept, merge and reject, which re-check it under lock."""

    ACCEPT, REJECT, KEEP = "accept", "reject", ""
    decision = forms.ChoiceField(widget=forms.RadioSelect, required=False)
    text = forms.CharField(
        label="Text of the new node",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Edit it before accepting, if need be.",
    )
    kind = forms.ChoiceField(
        choices=[("", "as proposed")] + list(Proposal._meta.get_field("kind").choices or []),
        required=False,
    )
    merge_key = forms.CharField(
        label="Or merge into the node with key",
        required=False,
        max_length=60,
        help_text="For a node not offered above.",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Needed to reject; the proposer reads it.",
    )

    class Meta:
        model = Proposal
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        proposal = self.instance
        self.similar = similar_nodes(proposal)
        # Every choice, even on a decided proposal: a page loaded before another curator
        # decided sends one, and hears why it is refused (clean), not "not a valid choice".
        cast(forms.ChoiceField, self.fields["decision"]).choices = [
            (self.KEEP, "Keep it pending" if proposal.state == "pending" else "No change"),
            (self.ACCEPT, "Accept: add it to the map where proposed"),
            *(
                (f"merge:{node.pk}", f"Merge into “{node.text[:90]}” ({node.key})")
                for node in self.similar
            ),
            (self.REJECT, "Reject, with the reason below"),
        ]
        self.fields["text"].initial = proposal.text

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        decision = cleaned.get("decision") or ""
        if cleaned.get("merge_key", "").strip() and not decision:
            decision = "merge:key"
        cleaned["decision"] = decision
        if not decision:
            return cleaned
        try:
            self.instance.check_decidable()
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        if decision.startswith("merge:"):
            cleaned["merge_into"] = self._merge_target(decision, cleaned.get("merge_key", ""))
        elif decision == self.REJECT and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why; the proposer reads the reason.")
        elif decision == self.ACCEPT and not (
            self.instance.target_id and Node.objects.filter(pk=self.instance.target_id).exists()
        ):
            raise ValidationError("The node it was proposed on was deleted; reject it instead.")
        return cleaned

    def _merge_target(self, decision, key):
        if decision == "merge:key":
            node = Node.objects.filter(map_id=self.instance.map_id, key=key.strip()).first()
            if node is None:
                self.add_error("merge_key", f"This map has no node “{key.strip()}”.")
            return node
        return Node.objects.filter(pk=decision.split(":", 1)[1]).first()


def similar_nodes(proposal):
    """The map's nodes most like the proposal (search.similar), never its own target."""
    if proposal.map_id is None:
        return []
    nodes = Node.objects.filter(map_id=proposal.map_id).exclude(pk=proposal.target_id or 0)
    return search.similar(nodes, proposal.text)


def passage_in_paragraph(proposal, limit=1500):
    """The quoted words marked in the paragraph that holds them (at most limit characters)."""
    text = proposal.source.text
    low = max(text.rfind("\n\n", 0, proposal.start) + 2, proposal.start - limit // 2, 0)
    high = text.find("\n\n", proposal.end)
    high = min(len(text) if high == -1 else high, proposal.end + limit // 2)
    return format_html(
        "<blockquote>{}{}<mark>{}</mark>{}{}</blockquote><p>— {}</p>",
        "…" if low > 0 else "",
        text[low : proposal.start],
        text[proposal.start : proposal.end],
        text[proposal.end : high],
        "…" if high < len(text) else "",
        proposal.source.title,
    )


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """The curators' queue: each proposal with its context, decided in three clicks at most
    (open it, choose the decision, save)."""

    form = ProposalForm
    list_display = ["text", "relation", "target_link", "map", "proposer", "state", "created"]
    list_filter = ["state", "relation", "map"]
    list_select_related = ["target", "proposer", "map"]
    search_fields = ["text", "exact", "proposer__username"]
    readonly_fields = [
        "proposer",
        "created",
        "state_line",
        "proposal_text",
        "target_context",
        "passage",
        "similar",
    ]
    fieldsets = [
        ("The proposal", {"fields": ["proposal_text", "proposer", "created", "state_line"]}),
        ("Where", {"fields": ["target_context"]}),
        ("Grounded in", {"fields": ["passage"]}),
        ("Already in the map?", {"fields": ["similar"]}),
        ("Decision", {"fields": ["decision", "text", "kind", "merge_key", "reason"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("source", "target__parent")
        # Pending first, oldest first: the queue reads top down.
        pending_first = Case(When(state=Proposal.State.PENDING, then=0), default=1)
        return queryset.order_by(pending_first, "created", "pk")

    def has_add_permission(self, request):
        return False  # proposals come from readers

    @admin.display(description="on")
    def target_link(self, proposal):
        return proposal.target or f"(removed) {proposal.target_text[:60]}"

    @admin.display(description="proposed")
    def proposal_text(self, proposal):
        return format_html(
            "<strong>{}</strong>: {}", proposal.get_relation_display(), proposal.text
        )

    @admin.display(description="state")
    def state_line(self, proposal):
        line = proposal.get_state_display()
        if proposal.decided_by_id:
            line += f" by {proposal.decided_by} on {proposal.decided_at:%Y-%m-%d %H:%M}"
        if proposal.reason:
            line += f": {proposal.reason}"
        return line

    @admin.display(description="target, its parent and its siblings")
    def target_context(self, proposal):
        target = proposal.target
        if target is None:
            return f"The node “{proposal.target_text[:120]}” has been deleted."
        siblings = (
            list(
                Node.objects.filter(parent_id=target.parent_id, map_id=target.map_id)
                .exclude(pk=target.pk)
                .order_by("position", "pk")[:12]
            )
            if target.parent_id
            else []
        )
        parts = [
            format_html(
                '<p>Parent: <a href="{}">{}</a></p>',
                target.parent.get_absolute_url(),
                target.parent.text,
            )
            if target.parent_id
            else format_html("<p>{}</p>", "The target is the thesis.")
        ]
        parts.append(
            format_html(
                '<p><strong>Target</strong> ({}): <a href="{}">{}</a></p>',
                target.relation or "thesis",
                target.get_absolute_url(),
                target.text,
            )
        )
        if proposal.other_id:
            parts.append(
                format_html(
                    '<p>Other end of the link: <a href="{}">{}</a></p>',
                    proposal.other.get_absolute_url(),
                    proposal.other.text,
                )
            )
        if siblings:
            parts.append(
                format_html(
                    "<p>Its siblings:</p><ul>{}</ul>",
                    format_html_join(
                        "", "<li>{} {}</li>", ((s.relation, s.text) for s in siblings)
                    ),
                )
            )
        return format_html("{}", mark_safe("".join(parts)))  # noqa: S308 - each part escaped

    @admin.display(description="passage")
    def passage(self, proposal):
        if not proposal.has_passage:
            return "No passage: a new node in a curated map needs one, so merge or reject it."
        return passage_in_paragraph(proposal)

    @admin.display(description="similar nodes")
    def similar(self, proposal):
        nodes = similar_nodes(proposal)
        if not nodes:
            return "None found."
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                ((n.get_absolute_url(), n.text, n.key) for n in nodes),
            ),
        )

    def save_model(self, request, obj, form, change):
        """Take the decision. A decision that became stale after the form was checked (a
        second curator, a node deleted meanwhile) is refused with a message, never a 500."""
        decision = form.cleaned_data.get("decision")
        try:
            if decision == ProposalForm.ACCEPT:
                node = obj.accept(
                    request.user,
                    text=form.cleaned_data.get("text") or None,
                    kind=form.cleaned_data.get("kind") or None,
                )
                self.message_user(
                    request,
                    format_html('Added <a href="{}">{}</a>.', node.get_absolute_url(), node.text),
                    messages.SUCCESS,
                )
                if obj.created_node_id:
                    self.log_addition(request, node, f"Added from proposal #{obj.pk}.")
            elif decision and decision.startswith("merge:"):
                obj.merge(request.user, form.cleaned_data.get("merge_into"))
            elif decision == ProposalForm.REJECT:
                obj.reject(request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            obj._refused = True
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def construct_change_message(self, request, form, formsets, add=False):
        decision = form.cleaned_data.get("decision")
        if getattr(form.instance, "_refused", False) or not decision:
            return ""
        return f"Decided: {form.instance.state}."

    def response_change(self, request, obj):
        if getattr(obj, "_refused", False):  # stay on the proposal, with the message
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

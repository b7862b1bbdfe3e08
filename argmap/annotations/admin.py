"""Moderation of readers' annotations and flags, and the curators' suggestions queue."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .models import Annotation, Flag, Suggestion

# Private annotations are their author's alone, as the profile promises: the admin neither
# lists, searches, opens nor acts on them, nor on flags or suggestions that carry one.
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
    list_filter = ["is_hidden", "visibility", "kind"]
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
    list_select_related = ["annotation__author", "annotation__node", "flagged_by"]
    fields = ("annotation", "flagged_by", "reason", "created")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(annotation__visibility=PUBLIC)

    def has_add_permission(self, request):
        return False


class SuggestionForm(forms.ModelForm):
    """The curator may tidy the proposal, then accepts it, or rejects it with a reason."""

    ACCEPT, REJECT = "accept", "reject"
    decision = forms.ChoiceField(
        choices=[("", "Keep pending"), (ACCEPT, "Accept: add it to the map"), (REJECT, "Reject")],
        required=False,
    )

    class Meta:
        model = Suggestion
        fields = ["proposed_text", "kind", "target", "relation", "decision", "reason"]
        widgets = {"proposed_text": forms.Textarea(attrs={"rows": 3, "cols": 80})}

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision and self.instance.status != Suggestion.Status.PENDING:
            raise ValidationError(f"This suggestion was already {self.instance.status}.")
        if decision == self.REJECT and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why; the suggester sees the reason on their profile.")
        if decision == self.ACCEPT:
            try:
                self.instance.check_acceptable()
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    form = SuggestionForm
    list_display = ["proposed_text", "relation", "target", "suggested_by", "status", "created"]
    list_filter = ["status", "relation", "kind"]
    list_select_related = ["target", "suggested_by"]
    search_fields = ["proposed_text", "annotation__exact", "suggested_by__username"]
    actions = ["accept_selected"]
    readonly_fields = ["suggested_by", "passage", "their_annotation", "status", "reviewed_by"]
    readonly_fields += ["reviewed_at"]
    readonly_fields += ["created_node", "created"]
    fieldsets = [
        (None, {"fields": ["suggested_by", "passage", "their_annotation", "created"]}),
        ("The proposal", {"fields": ["proposed_text", "kind", "target", "relation"]}),
        ("Review", {"fields": ["status", "decision", "reason", "reviewed_by", "reviewed_at"]}),
        (None, {"fields": ["created_node"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(annotation__visibility=PUBLIC)

    def has_add_permission(self, request):
        return False  # suggestions come from readers, through the source reader

    @admin.display(description="passage")
    def passage(self, suggestion):
        annotation = suggestion.annotation
        if not annotation.is_passage:
            return "—"
        return format_html(
            "…{}<mark>{}</mark>{}… ({})",
            annotation.prefix,
            annotation.exact,
            annotation.suffix,
            annotation.source.title,
        )

    @admin.display(description="their annotation")
    def their_annotation(self, suggestion):
        # Stored rendered and sanitised when saved (lib.markdown), so safe to show as is.
        return mark_safe(suggestion.annotation.body_html)  # noqa: S308

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        decision = form.cleaned_data.get("decision")
        if decision == SuggestionForm.ACCEPT:
            self._accept(request, obj)
        elif decision == SuggestionForm.REJECT:
            obj.reject(request.user, form.cleaned_data["reason"])

    def construct_change_message(self, request, form, formsets, add=False):
        decision = form.cleaned_data.get("decision")
        if decision == SuggestionForm.ACCEPT:
            return f"Accepted; added node {form.instance.created_node.key}."
        if decision == SuggestionForm.REJECT:
            return f"Rejected: {form.instance.reason}"
        return super().construct_change_message(request, form, formsets, add)

    def _accept(self, request, suggestion):
        node = suggestion.accept(request.user)
        self.message_user(
            request,
            format_html(
                'Added <a href="{}">{}</a> to the map (<a href="{}">edit it</a>).',
                node.get_absolute_url(),
                node.text,
                reverse("admin:debates_node_change", args=[node.pk]),
            ),
            messages.SUCCESS,
        )
        # The node's own history credits the reader whose suggestion it was.
        self.log_addition(
            request,
            node,
            f"Added from suggestion #{suggestion.pk} by {suggestion.suggested_by.username}.",
        )
        return node

    @admin.action(description="Accept the selected suggestions", permissions=["change"])
    def accept_selected(self, request, queryset):
        accepted = 0
        for suggestion in queryset.select_related("annotation__source", "target__map"):
            try:
                self._accept(request, suggestion)
            except ValidationError as error:
                self.message_user(
                    request, f"“{suggestion}” was not accepted: {error.messages[0]}", messages.ERROR
                )
                continue
            self.log_change(
                request, suggestion, f"Accepted; added node {suggestion.created_node.key}."
            )
            accepted += 1
        if accepted:
            self.message_user(request, f"Accepted {accepted} suggestion(s).", messages.SUCCESS)

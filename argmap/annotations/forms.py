from django import forms
from django.db import transaction

from argmap.debates.models import Node
from argmap.debates.quotes import selector_matches

from .models import BODY_LIMIT, Annotation, Suggestion


class AnnotationForm(forms.ModelForm):
    body = forms.CharField(
        label="Your annotation",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Markdown. At most {BODY_LIMIT:,} characters.",
        error_messages={"required": "Write something before saving."},
    )

    class Meta:
        model = Annotation
        fields = ["kind", "fallacy", "body", "visibility"]
        labels = {"kind": "Type", "fallacy": "Which fallacy", "visibility": "Who can see it"}
        help_texts = {"fallacy": "Only for the Fallacy type, e.g. “straw man”."}
        widgets = {"visibility": forms.RadioSelect}

    def __init__(self, *args, prefix_id="new", **kwargs):
        super().__init__(*args, **kwargs)
        # Several forms share a page (one per node, one per annotation being edited).
        self.auto_id = f"id_{prefix_id}_%s"

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > BODY_LIMIT:
            raise forms.ValidationError(
                f"An annotation can be at most {BODY_LIMIT:,} characters; "
                f"this one has {len(body):,}. Shorten it and save again."
            )
        if not body.strip():
            raise forms.ValidationError("Write something before saving.")
        return body

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("visibility") == Annotation.Visibility.PRIVATE
            and self.instance.pk
            and Suggestion.objects.pending().filter(annotation=self.instance).exists()
        ):
            self.add_error(
                "visibility",
                "Its suggestion is waiting for the curators, who never see private "
                "annotations: it stays public until they have decided.",
            )
        if cleaned.get("kind") == Annotation.Kind.FALLACY:
            if not cleaned.get("fallacy", "").strip():
                self.add_error("fallacy", "Name the fallacy, e.g. “straw man”.")
        else:
            cleaned["fallacy"] = ""
        return cleaned


class PassageAnnotationForm(AnnotationForm):
    """An annotation on source.text[start:end], optionally suggesting the passage for the map."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, widget=forms.HiddenInput)
    # The selector's prefix field shadows BaseForm.prefix, which these forms never use.
    prefix = forms.CharField(  # type: ignore[assignment]
        strip=False, required=False, max_length=200, widget=forms.HiddenInput
    )
    suffix = forms.CharField(strip=False, required=False, max_length=200, widget=forms.HiddenInput)
    target = forms.ModelChoiceField(
        queryset=Node.objects.none(),
        required=False,
        label="Suggest adding it to the map under",
        empty_label="— no suggestion —",
        help_text="Optional. Curators review every suggestion.",
    )
    relation = forms.ChoiceField(
        choices=[
            (Node.Relation.SUPPORTS, "as evidence for that claim"),
            (Node.Relation.OPPOSES, "as a rebuttal of that claim"),
        ],
        initial=Node.Relation.SUPPORTS,
        widget=forms.RadioSelect,
        label="Add it",
    )
    proposed_text = forms.CharField(
        max_length=500,
        required=False,
        label="The claim it makes",
        help_text="One declarative sentence, for the map.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, prefix_id="passage", **kwargs)
        self.source = source
        self.fields["target"].queryset = (
            Node.objects.filter(map__nodes__anchors__source=source)
            .distinct()
            .order_by("map", "position", "id")
        )

    def clean(self):
        cleaned = super().clean()
        start, end, exact = cleaned.get("start"), cleaned.get("end"), cleaned.get("exact")
        text = self.source.text
        if start is None or end is None or not exact:
            raise forms.ValidationError("Select a passage of the text to annotate.")
        if not (0 <= start < end <= len(text)):
            raise forms.ValidationError(
                "The selection lies outside this source’s text. Select the passage again."
            )
        prefix, suffix = cleaned.get("prefix", ""), cleaned.get("suffix", "")
        if not selector_matches(text, start, end, exact, prefix, suffix):
            raise forms.ValidationError(
                "The selected words do not match the source’s text at that place. "
                "Select the passage again."
            )
        if not exact.strip():
            raise forms.ValidationError("Select some words, not only spaces.")
        if cleaned.get("target") and not cleaned.get("proposed_text", "").strip():
            self.add_error("proposed_text", "Say in one sentence what the passage shows.")
        if cleaned.get("target") and cleaned.get("visibility") == Annotation.Visibility.PRIVATE:
            # Curators review suggestions, and never see private annotations.
            self.add_error(
                "target",
                "A suggestion goes to the curators: make the annotation public, "
                "or leave out the suggestion.",
            )
        return cleaned

    def save(self, author):
        with transaction.atomic():  # both rows or neither (a target deleted meanwhile)
            return self._save(author)

    def _save(self, author):
        annotation = super().save(commit=False)
        annotation.author = author
        annotation.set_passage(self.source, self.cleaned_data["start"], self.cleaned_data["end"])
        annotation.save()
        if self.cleaned_data.get("target"):
            Suggestion.objects.create(
                annotation=annotation,
                suggested_by=author,
                target=self.cleaned_data["target"],
                relation=self.cleaned_data["relation"],
                # A rebuttal argues: a claim; what supports is most often evidence.
                kind=(
                    Node.Kind.CLAIM
                    if self.cleaned_data["relation"] == Node.Relation.OPPOSES
                    else Node.Kind.EVIDENCE
                ),
                proposed_text=self.cleaned_data["proposed_text"].strip(),
            )
        return annotation


class FlagForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        required=False,
        label="Why should moderators look at it?",
        help_text="Optional.",
    )

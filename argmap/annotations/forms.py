from typing import Any, cast

from django import forms
from django.conf import settings
from django.db import transaction

from argmap.debates import search as text_search
from argmap.debates.models import Anchor, Node, Source
from argmap.debates.quotes import find_quote, quote_context, selector_matches
from argmap.lib.markdown import markdown_problem
from argmap.lib.numbers import whole_number

from .models import BODY_LIMIT, Annotation, Proposal


def check_passage(text: str, cleaned: dict[str, Any]) -> None:
    """Raise ValidationError unless cleaned's start, end, exact, prefix and suffix select
    text[start:end] verbatim: one check for passage annotations and proposals alike."""
    if "\r" not in text:
        # A browser posting a form sends every line break as CRLF (HTML's form encoding); the
        # words are the source's, whose line breaks are LF: read them back as sent.
        for name in ("exact", "prefix", "suffix"):
            if cleaned.get(name):
                cleaned[name] = cleaned[name].replace("\r\n", "\n")
    start, end, exact = cleaned.get("start"), cleaned.get("end"), cleaned.get("exact")
    if start is None or end is None or not exact:
        raise forms.ValidationError("Select a passage of the text.")
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

    def __init__(self, *args: Any, prefix_id: str = "new", **kwargs: Any) -> None:
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
        problem = markdown_problem(body)
        if problem is not None:
            raise forms.ValidationError(problem)
        return body

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if (
            cleaned.get("visibility") == Annotation.Visibility.PRIVATE
            and self.instance.pk
            and Proposal.objects.pending().filter(annotation=self.instance).exists()
        ):
            self.add_error(
                "visibility",
                "Its proposal is waiting for the curators, who never see private "
                "annotations: it stays public until they have decided.",
            )
        if cleaned.get("kind") == Annotation.Kind.FALLACY:
            if not cleaned.get("fallacy", "").strip():
                self.add_error("fallacy", "Name the fallacy, e.g. “straw man”.")
        else:
            cleaned["fallacy"] = ""
        return cleaned


class PassageFields(forms.Form):
    """A passage of a source as forms carry it, in hidden fields: a passage annotation's and
    a proposal's alike. Set from a selection by the reader's script (or, for a passage
    annotation without it, found from its words)."""

    start = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, required=False, widget=forms.HiddenInput)
    # The selector's prefix field shadows BaseForm.prefix, which these forms never use.
    prefix = forms.CharField(  # type: ignore[assignment]
        strip=False, required=False, max_length=200, widget=forms.HiddenInput
    )
    suffix = forms.CharField(strip=False, required=False, max_length=200, widget=forms.HiddenInput)


# The passage form offers, as the nodes a passage may be proposed under, at most this many
# a group: the same few whatever the size of the map (a map's every node would be 100,000).
TARGETS_A_GROUP = 8
# A quote of the map starting up to this many characters before the passage and reaching
# into it is "in" it; one starting within this many either side is "near" it (both bounded
# ranges of the (source, start) index).
NEAR_CHARS = 1500


def option_label(node):
    kind = node.display_kind
    return f"{kind[:1].upper()}{kind[1:]}: {node.text[:140]}{'…' if len(node.text) > 140 else ''}"


class PassageAnnotationForm(PassageFields, AnnotationForm):
    """An annotation on source.text[start:end], optionally proposing the passage for the map.

    Its proposal targets are grouped by how the passage bears on them (offer_targets): the
    map's nodes that quote it, those quoted near it, those most like its words, or found by
    the words a reader types; never a list of the whole map."""

    words = forms.CharField(
        strip=False,
        required=False,
        max_length=5000,
        label="The words you annotate",
        help_text="Copy them from the text, as they are written, enough of them to occur once.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    target = forms.ModelChoiceField(
        queryset=Node.objects.none(),
        required=False,
        label="Suggest adding it to the map under",
        empty_label="— no proposal —",
        help_text="Optional. Curators decide every proposal.",
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
    look_for = forms.CharField(
        max_length=200,
        required=False,
        label="Or find a node by its words",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, source: Source, argmap: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix_id="passage", **kwargs)
        self.source, self.argmap = source, argmap
        self.targets_problem, self.targets_offered = "", False
        # A proposal goes into the map the reader shows: maps never mix in one list. Any
        # node of it is a valid choice; the list shown is offer_targets' few.
        nodes = argmap.nodes.all() if argmap is not None else Node.objects.none()
        target = self.target_field
        target.queryset = nodes
        target.widget.choices = [("", target.empty_label)]
        if self.is_bound:
            self.offer_for(self.data)

    @property
    def target_field(self) -> forms.ModelChoiceField:
        return cast(forms.ModelChoiceField, self.fields["target"])

    def offer_for(self, data: Any) -> None:
        """The targets for the passage and the words to look for in data (a posted form)."""
        look_for = str(data.get("look_for", ""))[:200]
        self.offer_targets(self.passage_in(data), look_for, data.get("target"))

    def passage_in(self, data):
        """data's passage as (start, end, exact): its selector, or its words where they occur
        once; None (and targets_problem says why) where it does not check."""
        fields = PassageFields(data)
        if not fields.is_valid():
            return None
        cleaned = dict(fields.cleaned_data)
        try:
            if cleaned.get("start") is None and str(data.get("words", "")).strip():
                self.find_words({**cleaned, "words": data["words"]}, into=cleaned)
            check_passage(self.source.text, cleaned)
        except forms.ValidationError as error:
            self.targets_problem = " ".join(error.messages)
            return None
        return cleaned["start"], cleaned["end"], cleaned["exact"]

    def offer_targets(self, passage, look_for="", chosen=None):
        """The target list, grouped: the map's nodes quoting the passage (start, end, exact),
        those quoted near it, those found for look_for or else most like the passage's words,
        and the one already chosen. Each group holds at most TARGETS_A_GROUP nodes."""
        if self.argmap is None:
            return
        groups, seen = [], set()

        def add(label, nodes):
            fresh: list[tuple[int, str]] = []
            for node in nodes:
                if node.pk not in seen and len(fresh) < TARGETS_A_GROUP:
                    seen.add(node.pk)
                    fresh.append((node.pk, option_label(node)))
            if fresh:
                groups.append((label, fresh))

        if passage is not None:
            start, end, _ = passage
            anchors = Anchor.objects.filter(source=self.source, node__map=self.argmap)
            anchors = anchors.select_related("node__parent").order_by("start", "pk")
            starting = anchors.filter(start__gte=max(0, start - NEAR_CHARS), start__lt=end)
            inside = list(starting.filter(end__gt=start)[:TARGETS_A_GROUP])
            before = anchors.filter(start__gte=max(0, start - NEAR_CHARS), end__lte=start)
            after = anchors.filter(start__gte=end, start__lt=end + NEAR_CHARS)
            near = [
                *before.order_by("-start", "-pk")[:TARGETS_A_GROUP],
                *after[:TARGETS_A_GROUP],
            ]
            near.sort(key=lambda a: min(abs(a.end - start), abs(a.start - end)))
            add("Quoting this passage", [a.node for a in inside])
            add("Quoting words near it", [a.node for a in near])
        words = look_for.strip() or (passage[2] if passage else "")
        if words:
            found = text_search.similar(self.argmap.nodes.all(), words, 2 * TARGETS_A_GROUP)
            label = f"Found for “{look_for.strip()}”" if look_for.strip() else "Like its words"
            add(label, found)
            if look_for.strip() and not found:
                self.targets_problem = f"No node of this map is like “{look_for.strip()}”."
        chosen_pk = whole_number(str(chosen or ""), digits=18)
        if chosen_pk is not None and chosen_pk not in seen:
            add("Your choice", self.argmap.nodes.filter(pk=chosen_pk))
        self.target_field.widget.choices = [("", self.target_field.empty_label), *groups]
        self.targets_offered = bool(groups)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("start") is None and cleaned.get("words", "").strip():
            self.find_words(cleaned)
        check_passage(self.source.text, cleaned)
        if cleaned.get("target") and not cleaned.get("proposed_text", "").strip():
            self.add_error("proposed_text", "Say in one sentence what the passage shows.")
        if cleaned.get("target") and cleaned.get("visibility") == Annotation.Visibility.PRIVATE:
            # Curators decide proposals, and never see private annotations.
            self.add_error(
                "target",
                "A proposal goes to the curators: make the annotation public, "
                "or leave out the proposal.",
            )
        return cleaned

    def find_words(self, cleaned, into=None):
        """The passage typed or pasted as words (the way without the reader's script): where
        they occur once in the text, they become its selector (in cleaned, or into); else a
        message says why not."""
        text, words = self.source.text, cleaned["words"].strip()
        starts = find_quote(text, words, any_quote_marks=True)
        if not starts:
            raise forms.ValidationError(
                {
                    "words": "These words are not in the text as written. Copy them from it "
                    "within one paragraph, leaving out formatting marks."
                }
            )
        if len(starts) > 1:
            raise forms.ValidationError(
                {
                    "words": f"These words occur {len(starts)} times in the text. Add words "
                    "before or after them so that they occur once."
                }
            )
        start, end = starts[0], starts[0] + len(words)
        prefix, suffix = quote_context(text, start, end)
        found = {"start": start, "end": end, "exact": text[start:end], "prefix": prefix}
        (cleaned if into is None else into).update(found, suffix=suffix)

    # Not ModelForm.save(commit): the view always saves, and both rows or neither.
    def save(self, author: Any) -> Annotation:  # type: ignore[override]
        """The annotation and, when a target is chosen, its proposal: both rows or neither
        (a target deleted meanwhile, or a proposal over the reader's quota)."""
        with transaction.atomic():
            return self._save(author)

    def _save(self, author):
        annotation = super().save(commit=False)
        annotation.author = author
        annotation.set_passage(self.source, self.cleaned_data["start"], self.cleaned_data["end"])
        annotation.save()
        target = self.cleaned_data.get("target")
        if target:
            proposal = Proposal(
                proposer=author,
                map=target.map,
                target=target,
                relation=self.cleaned_data["relation"],
                # A rebuttal argues: a claim; what supports is most often evidence.
                kind=(
                    Node.Kind.CLAIM
                    if self.cleaned_data["relation"] == Node.Relation.OPPOSES
                    else Node.Kind.EVIDENCE
                ),
                text=" ".join(self.cleaned_data["proposed_text"].split()),
                annotation=annotation,
            )
            proposal.select(self.source, annotation.start, annotation.end)
            proposal.submit(settings.PROPOSAL_LIMIT)
        return annotation


class FlagForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        required=False,
        label="Why should moderators look at it?",
        help_text="Optional.",
    )


TEXT_LIMIT = 500


class ProposalForm(PassageFields):
    """A reader's proposed argument on node: a child, or a link to another node of its map,
    optionally grounded in a passage (checked verbatim, with its offsets)."""

    relation = forms.ChoiceField(
        choices=Proposal.Relation.choices,
        widget=forms.RadioSelect,
        label="Your argument",
        error_messages={"required": "Choose how your argument bears on this node."},
    )
    text = forms.CharField(
        label="In one sentence",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"A declarative sentence, at most {TEXT_LIMIT} characters. "
        "For a link, say why the two nodes are linked.",
        error_messages={
            "required": "Write your argument in one sentence.",
            "max_length": "Keep it to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    other = forms.CharField(
        required=False,
        max_length=200,
        label="The other node (for a link)",
        help_text="Its key or its address, e.g. /maps/…/nodes/its-key/.",
    )
    source = forms.SlugField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, node: Node, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node = node
        if node.parent_id is None:  # nothing to undercut: the thesis has no link to a parent
            cast(forms.ChoiceField, self.fields["relation"]).choices = [
                choice
                for choice in Proposal.Relation.choices
                if choice[0] != Proposal.Relation.UNDERCUTS
            ]

    def clean_text(self):
        text = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise forms.ValidationError("Write your argument in one sentence.")
        return text

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        relation = cleaned.get("relation")
        if relation in (Proposal.Relation.SAME_POINT, Proposal.Relation.CONTRADICTS):
            cleaned["other_node"] = self._other(cleaned.get("other", ""))
        cleaned["passage_source"] = None
        if cleaned.get("source") or cleaned.get("exact"):
            source = Source.objects.filter(slug=cleaned.get("source") or "").first()
            if source is None:
                raise forms.ValidationError("There is no such source; select the passage again.")
            check_passage(source.text, cleaned)
            cleaned["passage_source"] = source
        return cleaned

    def _other(self, given):
        key = given.strip().rstrip("/").rsplit("/", 1)[-1]
        if not key:
            self.add_error("other", "Give the other node's key or address.")
            return None
        other = self.node.map.nodes.filter(key=key).first()
        if other is None:
            self.add_error("other", f"This map has no node “{key}”.")
        elif other.pk == self.node.pk:
            self.add_error("other", "A link joins two different nodes.")
        elif self.node.parent_id == other.pk or other.parent_id == self.node.pk:
            self.add_error("other", "These are parent and child already.")
        return other

    def proposal(self, proposer: Any) -> Proposal:
        """The unsaved proposal this form describes (Proposal.submit saves it)."""
        cleaned = self.cleaned_data
        proposal = Proposal(
            proposer=proposer,
            map=self.node.map,
            target=self.node,
            relation=cleaned["relation"],
            other=cleaned.get("other_node"),
            text=cleaned["text"],
        )
        if cleaned.get("passage_source"):
            proposal.select(cleaned["passage_source"], cleaned["start"], cleaned["end"])
        return proposal

"""The curators' admin: sources read-mostly, nodes with their anchors, links and children.

Anchors are made by pasting a quote: the offsets, prefix and suffix are computed
from where the quote sits in the source, never typed.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from argmap.lib.addresses import route_of
from argmap.lib.numbers import whole_number

from . import mapdoc
from .models import Anchor, ArgumentMap, Link, Node, Section, Source
from .quotes import sha256_of
from .tree import ancestor_key_chains, preorder

# The most a new source may be: the seed sources are 4-60 KB; a book-length text would
# make every page of its reader heavy (README, "Working with the map").
SOURCE_MAX_BYTES = 1024 * 1024
# The most an imported map file may be, in the admin (import_map on a shell has no limit).
IMPORT_MAX_BYTES = 20 * 1024 * 1024


def quote_in_context(anchor):
    """The anchored words highlighted between their prefix and suffix, escaped."""
    if anchor is None or anchor.pk is None:
        return "Shown once the anchor is saved."
    return format_html("…{}<mark>{}</mark>{}…", anchor.prefix, anchor.exact, anchor.suffix)


def warn_about_map_problems(request, argmap):
    """Curation may leave the map half-done; say so now rather than at export time."""
    problems = mapdoc.problems_in_database(argmap)
    if problems:
        listed = "; ".join(str(problem) for problem in problems[:5])
        more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        messages.warning(
            request,
            f"The map has {len(problems)} problem(s), so export_seed will refuse it "
            f"until they are fixed: {listed}{more}.",
        )


class NodeChoiceField(forms.ModelChoiceField):
    """Nodes named by key and the start of their text, short enough for a select."""

    def label_from_instance(self, node):
        text = node.text if len(node.text) <= 60 else node.text[:59] + "…"
        return f"{node.key}: {text}"


class AnchorForm(forms.ModelForm):
    """Paste a quote and pick its source; where it sits is worked out from the text."""

    occurrence = forms.IntegerField(
        min_value=1,
        required=False,
        help_text="Only when the quote appears more than once: which one, counting from 1.",
    )

    class Meta:
        model = Anchor
        fields = ["source", "exact", "occurrence", "speaker", "voice"]
        labels = {"exact": "Quote"}
        help_texts = {
            "exact": "Paste the words from the source. Curly or straight quotes both match.",
            "speaker": "Who asserts the words. Left blank: the commenter of a reader "
            "comment, otherwise “the author”. A reported quote names whom it reports, "
            "e.g. “Marc Andreessen (as quoted)”.",
            "voice": "Asserts: the author's own words. Reports: the text only reports "
            "someone else's view. Concedes: the author grants a point against their line.",
        }
        widgets = {"exact": forms.Textarea(attrs={"rows": 3, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["speaker"].required = False

    def clean_exact(self):
        # Browsers send a textarea's line breaks as CRLF; the stored texts use LF.
        return self.cleaned_data["exact"].replace("\r\n", "\n")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        source, quote = cleaned.get("source"), cleaned.get("exact")
        if source is None or not quote:
            return cleaned
        anchor, occurrence = self.instance, cleaned.get("occurrence")
        unchanged = (
            anchor.pk is not None
            and anchor.source_id == source.pk
            and anchor.exact == quote
            and occurrence is None
        )
        if not unchanged:
            anchor.source, anchor.exact = source, quote
            try:
                anchor.place_quote(occurrence)
            except ValidationError as error:
                field = "occurrence" if error.code == "no_such_occurrence" else "exact"
                self.add_error(field, error)
                return cleaned
            cleaned["exact"] = anchor.exact
        if not cleaned.get("speaker"):
            cleaned["speaker"] = source.speaker_at(anchor.start)
        return cleaned


class StandaloneAnchorForm(AnchorForm):
    """The anchor form on its own page, where it also names its node."""

    node = NodeChoiceField(Node.objects.all())

    class Meta(AnchorForm.Meta):
        fields = ["node", *AnchorForm.Meta.fields]


class AnchorFormSet(forms.BaseInlineFormSet):
    def save_new(self, form, commit=True):
        # A new anchor goes after the node's others; positions are unique per node.
        form.instance.position = self.instance.next_anchor_position()
        return super().save_new(form, commit=commit)


class AnchorInline(admin.StackedInline):
    model = Anchor
    form = AnchorForm
    formset = AnchorFormSet
    extra = 1
    fields = ["source", "exact", "occurrence", "speaker", "voice", "in_context", "start", "end"]
    readonly_fields = ["in_context", "start", "end"]

    @admin.display(description="In context")
    def in_context(self, anchor):
        return quote_in_context(anchor)


class LinkForm(forms.ModelForm):
    """A link from the node being edited to any other node of its map, either way round."""

    other = forms.ModelChoiceField(
        Node.objects.all(),
        label="linked node",
        widget=AutocompleteSelect(Link._meta.get_field("to_node"), admin.site),
    )

    class Meta:
        model = Link
        fields = ["kind"]

    def __init__(self, *args, node=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.node = node
        if self.instance.pk is not None and node is not None:
            self.fields["other"].initial = self.instance.other_end(node)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        other = cleaned.get("other")
        if other is not None and self.node is not None:
            # The pair is stored once, lower id first; Link.clean checks the rest.
            self.instance.map_id = self.node.map_id
            self.instance.from_node, self.instance.to_node = self.node, other
        return cleaned


class LinkFormSet(forms.BaseInlineFormSet):
    """The node's links from both ends: a link is stored once, whichever end it starts at."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.queryset = Link.objects.touching([self.instance]).select_related(
                "from_node", "to_node"
            )

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "node": self.instance}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The inline's hidden parent field must send back this node, whichever end the link
        # is stored from (lower id first): a link stored from the other end showed that end,
        # and Django refused the page ("The inline value did not match the parent instance").
        form.initial[self.fk.name] = self.instance.pk

    def save_new(self, form, commit=True):
        # Not the inline's own way (which makes this node the from_node): the pair goes
        # lower id first, whichever end it was added from.
        link = form.save(commit=False)
        link.map_id = self.instance.map_id
        link.from_node, link.to_node = self.instance, form.cleaned_data["other"]
        link.order_ends()
        if commit:
            link.save()
        return link


class LinkInline(admin.TabularInline):
    """Same point / contradicts links to nodes anywhere in the map (shown from both ends)."""

    model = Link
    fk_name = "from_node"
    form = LinkForm
    formset = LinkFormSet
    fields = ["kind", "other"]
    extra = 1
    verbose_name = "link elsewhere in the map"
    verbose_name_plural = "links elsewhere in the map (same point, contradicts)"


class ChildInline(admin.TabularInline):
    """The node's children, reordered by editing their positions."""

    model = Node
    fk_name = "parent"
    verbose_name = "child"
    verbose_name_plural = "children (change positions to reorder)"
    fields = ["position", "key", "relation", "kind", "text"]
    readonly_fields = ["key", "kind", "text"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # a new node is added on its own page, where it gets its anchors


class NodeForm(forms.ModelForm):
    # Chosen by typing (the admin's autocomplete, same map: NodeAdmin.get_search_results),
    # never a <select> of every node of every map.
    parent = forms.ModelChoiceField(
        Node.objects.all(),
        required=False,
        widget=AutocompleteSelect(Node._meta.get_field("parent"), admin.site),
    )

    class Meta:
        model = Node
        fields = ["map", "key", "kind", "text", "parent", "relation", "position"]
        fields += ["scheme", "label", "is_heading", "is_implicit"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if "parent" in self.changed_data and "position" not in self.changed_data:
            # A moved or new node goes after its new siblings unless told where.
            siblings = Node.objects.filter(parent=cleaned.get("parent"))
            cleaned["position"] = siblings.exclude(pk=self.instance.pk).next_position()
        return cleaned


def chosen_map(request, parameter):
    """The id of the map a change list is filtered to by its map filter, or None."""
    return whole_number(request.GET.get(parameter, ""), digits=18)


class SourceFilter(admin.SimpleListFilter):
    """Nodes (or anchors: `through`) quoting a document. With a map chosen it offers the
    documents that map quotes, never every map's (maps share documents)."""

    title = "source"
    parameter_name = "source"
    map_parameter = "map__id__exact"  # the node list's map filter
    through = "anchors__"  # from a listed row to its anchors

    def lookups(self, request, model_admin):
        sources = Source.objects.order_by("file")
        argmap = chosen_map(request, self.map_parameter)
        if argmap is not None:
            quoted = Anchor.objects.filter(source=OuterRef("pk"), node__map=argmap)
            sources = sources.filter(Exists(quoted))
        return list(sources.values_list("slug", "title"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.through}source__slug": self.value()}).distinct()
        return queryset


class SpeakerFilter(SourceFilter):
    """Nodes (or anchors) by whose words they quote; with a map chosen, that map's speakers."""

    title = "speaker"
    parameter_name = "speaker"

    def lookups(self, request, model_admin):
        anchors = Anchor.objects.all()
        argmap = chosen_map(request, self.map_parameter)
        if argmap is not None:
            anchors = anchors.filter(node__map=argmap)
        speakers = anchors.order_by("speaker").values_list("speaker", flat=True).distinct()
        return [(speaker, speaker) for speaker in speakers]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.through}speaker": self.value()}).distinct()
        return queryset


class AnchorSourceFilter(SourceFilter):
    map_parameter, through = "node__map__id__exact", ""


class AnchorSpeakerFilter(SpeakerFilter):
    map_parameter, through = "node__map__id__exact", ""


# The change list's cursor: the node the page before ended on (tree order pages by cursor,
# never by offset, so no page walks the nodes before it).
AFTER_VAR = "after"
# The filter that keeps tree order: one map, or none (every map, thesis by thesis).
TREE_FILTERS = {"map__id__exact", AFTER_VAR}


class NodeChangeList(ChangeList):
    """Nodes in tree order, a page at a time from a cursor, unless searched, filtered by
    more than the map, or sorted by a column (then the admin's own pages)."""

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(AFTER_VAR, None)
        return lookup_params

    @property
    def in_tree_order(self):
        return not self.query and ORDER_VAR not in self.params and set(self.params) <= TREE_FILTERS

    def get_results(self, request):
        if not self.in_tree_order:
            self.tree_next_url = None
            return super().get_results(request)
        nodes = Node.objects.all()
        if "map__id__exact" in self.params:
            nodes = nodes.filter(map_id=self.params["map__id__exact"])
        cursor = self.params.get(AFTER_VAR, "")
        after_pk = whole_number(cursor, digits=18)
        after = None if after_pk is None else nodes.filter(pk=after_pk).first()
        ids = preorder(nodes, after, self.list_per_page + 1)
        shown = ids[: self.list_per_page]
        order = Case(*(When(pk=pk, then=index) for index, pk in enumerate(shown)), default=0)
        # A QuerySet, not a list: the position formset needs one.
        self.result_list = self.queryset.filter(pk__in=shown).order_by(order)
        self.result_count = nodes.count()
        self.full_result_count = self.result_count
        self.show_full_result_count = self.show_admin_actions = True
        self.can_show_all = self.multi_page = False
        self.paginator = self.model_admin.get_paginator(
            request, self.result_list, self.list_per_page
        )
        more = len(ids) > self.list_per_page
        self.tree_next_url = self.get_query_string({AFTER_VAR: shown[-1]}) if more else None
        self.tree_restart_url = self.get_query_string(remove=[AFTER_VAR]) if after else None


class NodeListForm(forms.ModelForm):
    """A row's position input, labelled with its node (every row has one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].widget.attrs["aria-label"] = f"Position of {self.instance.key}"


def map_of_referring_node(request):
    """The map of the node whose change page asks (for autocompletes), or None."""
    match = route_of(request.headers.get("Referer"))
    if match is None or match.url_name != "debates_node_change":
        return None
    pk = whole_number(match.kwargs.get("object_id"), digits=18)
    return None if pk is None else Node.objects.filter(pk=pk).values_list("map", flat=True).first()


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    form = NodeForm
    inlines = [AnchorInline, LinkInline, ChildInline]
    readonly_fields = ["proposed_by"]  # the proposer's choice (User.credit), never typed
    list_display = ["key", "path_from_thesis", "text", "kind", "relation", "position"]
    list_display += ["anchor_count"]
    list_display_links = ["key"]
    list_editable = ["position"]
    list_filter = ["map", "kind", "relation", "scheme", SourceFilter, SpeakerFilter]
    list_filter += ["is_heading", "is_implicit"]
    search_fields = ["key", "text", "anchors__exact"]
    list_per_page = 100
    show_full_result_count = False  # one count a page, not two

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(anchor_count=Count("anchors", distinct=True))

    def get_changelist(self, request, **kwargs):
        return NodeChangeList

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=NodeListForm, **kwargs)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One query walking up from the page's rows, never the whole map.
        chains = ancestor_key_chains(node.pk for node in changelist.result_list)
        for node in changelist.result_list:
            node.ancestor_keys = chains.get(node.pk, [])
        return changelist

    def get_search_results(self, request, queryset, search_term):
        """An autocomplete on a node's page (its parent, a link's other end) offers only the
        nodes of that node's map."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            argmap = map_of_referring_node(request)
            if argmap is not None:
                queryset = queryset.filter(map_id=argmap)
            # The anchor count's GROUP BY drops Meta.ordering; the results come a page at a time.
            queryset = queryset.order_by("map", "position", "pk")
        return queryset, may_have_duplicates

    @admin.display(description="path from the thesis")
    def path_from_thesis(self, node):
        return " › ".join(getattr(node, "ancestor_keys", None) or ["—"])

    @admin.display(description="anchors", ordering="anchor_count")
    def anchor_count(self, node):
        return node.anchor_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warn_about_map_problems(request, form.instance.map)


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "from_node", "to_node", "map"]
    list_filter = ["map", "kind"]
    list_select_related = ["from_node", "to_node", "map"]
    autocomplete_fields = ["from_node", "to_node"]
    fields = ["kind", "from_node", "to_node"]  # the map is the nodes' (Link.save)
    search_fields = ["from_node__key", "to_node__key", "from_node__text", "to_node__text"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        warn_about_map_problems(request, obj.map)


@admin.register(Anchor)
class AnchorAdmin(admin.ModelAdmin):
    form = StandaloneAnchorForm
    fields = ["node", "source", "exact", "occurrence", "speaker", "voice", "in_context"]
    fields += ["start", "end", "prefix", "suffix", "position"]
    readonly_fields = ["in_context", "start", "end", "prefix", "suffix", "position"]
    list_display = ["__str__", "node", "speaker", "voice", "position"]
    list_filter = ["node__map", AnchorSourceFilter, "voice", AnchorSpeakerFilter]
    list_select_related = ["node", "source"]
    search_fields = ["exact", "node__key", "node__text"]

    @admin.display(description="In context")
    def in_context(self, anchor):
        return quote_in_context(anchor)

    def save_model(self, request, obj, form, change):
        if not change or "node" in form.changed_data:
            obj.position = obj.node.next_anchor_position()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warn_about_map_problems(request, form.instance.node.map)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["position", "kind", "start", "end", "speaker"]


class SourceAddForm(forms.ModelForm):
    """A new source for a new debate: uploaded as a UTF-8 text file, or pasted, and stored
    byte for byte (the text's UTF-8 is exactly the bytes received) with its SHA-256."""

    upload = forms.FileField(
        required=False,
        label="Upload a text file",
        help_text=f"UTF-8 text, at most {SOURCE_MAX_BYTES // 1024:,} KB; stored exactly as sent.",
    )
    pasted = forms.CharField(
        required=False,
        strip=False,
        label="Or paste the text",
        widget=forms.Textarea(attrs={"rows": 12, "cols": 90}),
    )

    class Meta:
        model = Source
        fields = ["title", "title_by", "slug", "kind", "author", "publisher", "date"]
        fields += ["tags", "disclosure"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        upload, pasted = cleaned.get("upload"), cleaned.get("pasted") or ""
        if upload and pasted:
            raise ValidationError("Upload a file or paste the text, not both.")
        if upload:
            data = upload.read(SOURCE_MAX_BYTES + 1)
            name = upload.name
        else:
            data, name = pasted.encode("utf-8"), f"{cleaned.get('slug') or 'pasted'}.txt"
        cleaned["text"] = source_text(data)
        cleaned["file"] = name
        if Source.objects.filter(file=name).exists():
            raise ValidationError(f"A source already comes from the file “{name}”; rename it.")
        return cleaned

    def save(self, commit=True):
        self.instance.text = self.cleaned_data["text"]
        self.instance.file = self.cleaned_data["file"]
        self.instance.sha256 = sha256_of(self.instance.text)
        return super().save(commit)


def source_text(data: bytes, limit: int = SOURCE_MAX_BYTES) -> str:
    """The source's text from its bytes, or ValidationError saying why it is refused."""
    if len(data) > limit:
        raise ValidationError(f"The file is over {limit // 1024:,} KB, the most it may be.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not valid UTF-8 (byte {error.start} cannot be read): save it as "
            "UTF-8 text and upload it again."
        ) from None
    if not text.strip():
        raise ValidationError("The text is empty: upload or paste its text.")
    if "\x00" in text:
        raise ValidationError("The text holds a NUL character; it is not a text file.")
    return text


class QuotedByMapFilter(admin.SimpleListFilter):
    """The documents one map quotes; the list's anchor counts then count that map alone."""

    title = "quoted by map"
    parameter_name = "map"

    def lookups(self, request, model_admin):
        return list(ArgumentMap.objects.values_list("slug", "title"))

    def queryset(self, request, queryset):
        if self.value():
            quoted = Anchor.objects.filter(source=OuterRef("pk"), node__map__slug=self.value())
            return queryset.filter(Exists(quoted))
        return queryset


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    """Read-mostly: anchors point into the text by offset, so a quoted text is frozen. A new
    source (for a new debate) is uploaded or pasted (SourceAddForm). Maps share documents, so
    the list counts anchors map by map (or the chosen map's alone), never one sum of all."""

    inlines = [SectionInline]
    list_display = ["title", "slug", "kind", "file", "author", "date", "anchor_count"]
    list_filter = [QuotedByMapFilter]
    search_fields = ["title", "slug", "file", "author"]
    fields = ["title", "title_by", "slug", "file", "kind", "author", "publisher", "date"]
    fields += ["tags", "disclosure", "text", "sha256"]
    readonly_fields = ["sha256"]

    def get_queryset(self, request):
        argmap = request.GET.get(QuotedByMapFilter.parameter_name)
        counted = Q(anchors__node__map__slug=argmap) if argmap else None
        return super().get_queryset(request).annotate(anchor_count=Count("anchors", filter=counted))

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not request.GET.get(QuotedByMapFilter.parameter_name):
            # One grouped query for the page's documents: each map's anchors apart.
            counts = (
                Anchor.objects.filter(source__in=[s.pk for s in changelist.result_list])
                .values_list("source", "node__map__slug")
                .annotate(count=Count("pk"))
                .order_by("node__map__slug")
            )
            by_source: dict[int, list[tuple[str, int]]] = {}
            for source, slug, count in counts:
                by_source.setdefault(source, []).append((slug, count))
            for source in changelist.result_list:
                source.anchors_by_map = by_source.get(source.pk, [])
        return changelist

    @admin.display(description="anchors", ordering="anchor_count")
    def anchor_count(self, source):
        by_map = getattr(source, "anchors_by_map", None)
        if by_map is None or len(by_map) < 2:
            return source.anchor_count
        return "; ".join(f"{slug}: {count}" for slug, count in by_map)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return SourceAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*SourceAddForm.Meta.fields, "upload", "pasted"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.anchors.exists() or obj.annotations.exists():
            return ["slug", "file", "text", "sha256"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        obj.sha256 = sha256_of(obj.text)
        super().save_model(request, obj, form, change)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "position", "kind", "start", "end", "speaker"]
    list_filter = ["source", "kind"]
    list_select_related = ["source"]


class MapAddForm(forms.ModelForm):
    """A new debate: its question and its thesis, whose node is made with the map; the
    curators then build it with the node admin's paste-a-quote anchoring."""

    thesis = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="The claim the debate is about, as one declarative sentence.",
    )

    class Meta:
        model = ArgumentMap
        fields = ["slug", "title", "question"]


class MapImportForm(forms.Form):
    file = forms.FileField(help_text="AIF JSON, Argdown or argmap/2 JSON (docs/formats.md).")
    slug = forms.SlugField(help_text="The new map's slug.")
    fmt = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "tell from the content"), *((f, f) for f in mapdoc.IMPORTABLE)],
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if ArgumentMap.objects.filter(slug=slug).exists():
            raise ValidationError("A map has this slug already.")
        return slug


@admin.register(ArgumentMap)
class ArgumentMapAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "question", "origin", "node_count"]
    list_filter = ["origin"]  # curated maps go to fixtures/ (export_seed); the others do not
    change_list_template = "admin/debates/argumentmap/change_list.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return MapAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["slug", "title", "question", "thesis"]
        return super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                Node.objects.create(
                    map=obj, key="thesis", kind=Node.Kind.THESIS, text=form.cleaned_data["thesis"]
                )

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="debates_argumentmap_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload an AIF, Argdown or argmap/2 file: import_map's rules, atomic, every
        problem listed, nothing written unless all is right."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MapImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                text = source_text(upload.read(IMPORT_MAX_BYTES + 1), IMPORT_MAX_BYTES)
                argmap, fmt = mapdoc.import_text(
                    text, slug=form.cleaned_data["slug"], fmt=form.cleaned_data["fmt"] or None
                )
            except ValidationError as error:
                problems = error.messages
            except mapdoc.UnknownFormat as error:
                problems = [str(error)]
            except mapdoc.MapDocumentError as error:
                problems = [str(problem) for problem in error.problems]
            else:
                self.message_user(
                    request,
                    f"Imported {upload.name} ({mapdoc.FORMATS[fmt].label}) as map "
                    f"{argmap.slug}: {argmap.nodes.count()} nodes.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(argmap.get_absolute_url())
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a map",
            "form": form,
            "problems": problems,
            "opts": self.model._meta,
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/debates/argumentmap/import.html", context, status=status
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(node_count=Count("nodes"))

    @admin.display(description="nodes", ordering="node_count")
    def node_count(self, argmap):
        return argmap.node_count

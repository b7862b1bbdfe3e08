"""Helpers for the curators' admin tests: pasted quotes, admin form data."""

from argmap.debates.models import Anchor

from .factories import (
    NodeFactory,
    ThesisFactory,
)

CURLY_TEXT = (
    "The essay’s claim: “R1 is cheap.” Critics replied that it’s not cheap at all. "
    "Still, it’s open, and “open” matters."
)


def form_data(response):
    """The POST data an admin change form (and its inlines) would send back unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        # Every form, blank ones too: a browser sends what a blank form shows (a select's
        # default choice), which leaves the form unchanged and so not validated.
        for form in formset.forms:
            add(form)
    return data


def claim_under_a_thesis(**fields):
    thesis = ThesisFactory()
    return NodeFactory(map=thesis.map, parent=thesis, **fields)


def node_change_url(node):
    return f"/admin/debates/node/{node.pk}/change/"


def pasted(source, quote, occurrence=None):
    anchor = Anchor(source=source, exact=quote)
    anchor.place_quote(occurrence)
    return anchor

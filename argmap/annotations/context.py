"""What the pages that show annotations (a node's page, the map tree, a source) add to context."""

from .forms import AnnotationForm, PassageAnnotationForm
from .models import Annotation


def node_panel_context(user, node, form=None):
    """A node's open annotation panel: the annotations user may see, and the form."""
    return {
        "node": node,
        "notes": list(Annotation.objects.filter(node=node).for_viewer(user)),
        "note_form": form or AnnotationForm(prefix_id=f"node{node.pk}"),
    }


def passage_context(user, source, form=None):
    """A source's passage annotations user may see, in text order, and the form to add one."""
    notes = Annotation.objects.filter(source=source).for_viewer(user).order_by("start", "end", "pk")
    if form is None and user.is_authenticated:
        form = PassageAnnotationForm(source=source)
    return {"notes": list(notes), "passage_form": form}

"""What the pages that show annotations (a node's page, the map tree, a source) add to context.

The debates pages call these through the hooks in argmap.debates.pages, which
AnnotationsConfig.ready() registers; debates never imports annotations.
"""

from .forms import AnnotationForm, PassageAnnotationForm
from .models import Annotation


def node_panel_context(user, node, form=None):
    """A node's open annotation panel: the annotations user may see, and the form."""
    return {
        "node": node,
        "annotations": list(Annotation.objects.filter(node=node).for_viewer(user)),
        "annotation_form": form or AnnotationForm(prefix_id=f"node{node.pk}"),
    }


def passage_context(user, source, form=None):
    """A source's passage annotations user may see, in text order, and the form to add one."""
    annotations = (
        Annotation.objects.filter(source=source).for_viewer(user).order_by("start", "end", "pk")
    )
    if form is None and user.is_authenticated:
        form = PassageAnnotationForm(source=source)
    return {"annotations": list(annotations), "passage_form": form}


def node_page_hook(request, node):
    return node_panel_context(request.user, node)


def reader_hook(request, source, form=None):
    """The passage annotations are cut into the reader's text with the anchors."""
    context = passage_context(request.user, source, form)
    return {**context, "spans": context["annotations"]}

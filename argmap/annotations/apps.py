from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "argmap.annotations"
    label = "annotations"

    def ready(self) -> None:
        # Annotations show on debates' pages; debates does not import this app, it calls
        # the hooks registered here (argmap/debates/pages.py).
        from argmap.debates import pages

        from .context import node_page_hook, reader_hook
        from .models import published_passages, with_public_annotation_counts

        if node_page_hook not in pages.node_page_hooks:  # ready() may run more than once
            pages.node_page_hooks.append(node_page_hook)
            pages.reader_hooks.append(reader_hook)
            pages.node_row_hooks.append(with_public_annotation_counts)
            pages.published_passage_hooks.append(published_passages)

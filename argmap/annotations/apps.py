from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "argmap.annotations"
    label = "annotations"

    def ready(self) -> None:
        # Annotations show on debates' pages; debates does not import this app, it calls
        # the hooks registered here (argmap/debates/pages.py).
        from django.conf import settings
        from django.db.models.signals import post_save, pre_save

        from argmap.debates import pages

        from .context import node_page_hook, reader_hook
        from .models import (
            published_passages,
            renamed_author_refreshes_maps,
            username_before_save,
            with_public_annotation_counts,
        )

        user = settings.AUTH_USER_MODEL
        pre_save.connect(username_before_save, sender=user, dispatch_uid="annotations-author")
        post_save.connect(
            renamed_author_refreshes_maps, sender=user, dispatch_uid="annotations-author"
        )

        if node_page_hook not in pages.node_page_hooks:  # ready() may run more than once
            pages.node_page_hooks.append(node_page_hook)
            pages.reader_hooks.append(reader_hook)
            pages.node_row_hooks.append(with_public_annotation_counts)
            pages.published_passage_hooks.append(published_passages)

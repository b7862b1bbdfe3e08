from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "argmap.annotations"
    label = "annotations"

    def ready(self) -> None:
        # Annotations show on debates' pages; debates does not import this app, it calls
        # the hooks registered here (argmap/debates/pages.py).
        from django.conf import settings
        from django.db.models.signals import post_save, pre_delete, pre_save
        from django.utils.safestring import mark_safe

        from argmap.debates import fragments, pages

        from .context import (
            annotation_panels,
            node_page_hook,
            public_annotation_counts,
            show_count,
        )
        from .models import (
            credit_follows_the_proposer,
            deleted_proposer_is_a_reader,
            published_passages,
            renamed_author_refreshes_maps,
            username_before_save,
        )

        user = settings.AUTH_USER_MODEL
        pre_save.connect(username_before_save, sender=user, dispatch_uid="annotations-author")
        post_save.connect(
            renamed_author_refreshes_maps, sender=user, dispatch_uid="annotations-author"
        )
        post_save.connect(credit_follows_the_proposer, sender=user, dispatch_uid="credit")
        pre_delete.connect(deleted_proposer_is_a_reader, sender=user, dispatch_uid="credit")

        if node_page_hook not in pages.node_page_hooks:  # ready() may run more than once
            pages.node_page_hooks.append(node_page_hook)
            pages.published_passage_hooks.append(published_passages)
        fragments.register_state("annotation-count", public_annotation_counts, show_count)
        fragments.register_state("annotation-panel", annotation_panels, mark_safe)

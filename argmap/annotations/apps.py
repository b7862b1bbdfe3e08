from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "argmap.annotations"
    label = "annotations"

    def ready(self) -> None:
        # Annotations show on debates' pages as state regions (argmap/debates/fragments.py),
        # and in the whole map's Web Annotation export through the hook registered here
        # (argmap/debates/hooks.py); debates does not import this app.
        from django.conf import settings
        from django.db.models.signals import post_save, pre_delete, pre_save
        from django.utils.safestring import mark_safe

        from argmap.debates import fragments, hooks

        from .context import annotation_panels, public_annotation_counts, show_count
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

        if published_passages not in hooks.published_passage_hooks:  # ready() may run twice
            hooks.published_passage_hooks.append(published_passages)
        fragments.register_state(
            "annotation-count", public_annotation_counts, show_count, topic="annotations"
        )
        fragments.register_state(
            "annotation-panel", annotation_panels, mark_safe, topic="annotations"
        )

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AnnotationsConfig(AppConfig):
    name = "argmap.annotations"
    label = "annotations"

    def ready(self):
        from argmap.core.models import bump_content_revision

        # Public annotations are counted on the map's cached tree.
        annotation = self.get_model("Annotation")
        post_save.connect(bump_content_revision, sender=annotation, dispatch_uid="rev-annotation")
        post_delete.connect(
            bump_content_revision, sender=annotation, dispatch_uid="rev-d-annotation"
        )

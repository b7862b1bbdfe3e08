from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DebatesConfig(AppConfig):
    name = "argmap.debates"
    label = "debates"
    verbose_name = "Argument maps"

    def ready(self):
        from argmap.core.models import bump_content_revision

        for model_name in ("ArgumentMap", "Node", "Anchor", "Source", "Section"):
            model = self.get_model(model_name)
            post_save.connect(bump_content_revision, sender=model, dispatch_uid=f"rev-{model}")
            post_delete.connect(bump_content_revision, sender=model, dispatch_uid=f"rev-d-{model}")

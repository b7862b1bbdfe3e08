from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The pages that show several apps at once (argmap/pages/views.py): no models."""

    name = "argmap.pages"
    label = "pages"

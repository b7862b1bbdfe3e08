from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "argmap.core"
    label = "core"

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "argmap.annotations"
    label = "annotations"

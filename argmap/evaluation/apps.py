from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "argmap.evaluation"
    label = "evaluation"

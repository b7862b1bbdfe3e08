from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "argmap.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        # Strengths on cached pages are state regions, one read a map and perspective
        # (argmap/debates/fragments.py); the rest of what a map's pages show of this app,
        # argmap.pages' views ask for themselves (context.py).
        from django.utils.safestring import mark_safe

        from argmap.debates import fragments

        from .context import draw_strength, explanation_regions, show_strength, strength_regions

        fragments.register_state("strength", strength_regions, show_strength, by_variant=True)
        # The same strengths drawn in the diagram's boxes (SVG).
        fragments.register_state("drawn-strength", strength_regions, draw_strength, by_variant=True)
        fragments.register_state("explanation", explanation_regions, mark_safe, by_variant=True)

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "argmap.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        # Strengths on cached pages are state regions, one read a map and perspective
        # (argmap/debates/fragments.py); the rest of what a map's pages show of this app,
        # argmap.pages' views ask for themselves (context.py).
        from functools import partial

        from django.utils.safestring import mark_safe

        from argmap.debates import fragments

        from .context import draw_strength, explanation_regions, show_strength, strength_regions

        # Topic "strengths": a recompute that moves them refills these regions, and only them.
        register = partial(fragments.register_state, by_variant=True, topic="strengths")
        register("strength", strength_regions, show_strength)
        register("drawn-strength", strength_regions, draw_strength)  # the diagram's boxes (SVG)
        register("explanation", explanation_regions, mark_safe)

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "argmap.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        # Strengths and votes show on debates' pages; debates does not import this app, it
        # calls the hooks registered here (argmap/debates/pages.py).
        from django.utils.safestring import mark_safe

        from argmap.debates import fragments, pages

        from .context import (
            draw_strength,
            explanation_regions,
            map_page_hook,
            node_list_hook,
            node_page_hook,
            response_key_hook,
            show_strength,
            strength_regions,
        )

        if map_page_hook not in pages.map_page_hooks:  # ready() may run more than once
            pages.map_page_hooks.append(map_page_hook)
            pages.node_list_hooks.append(node_list_hook)
            pages.node_page_hooks.append(node_page_hook)
            pages.response_key_hooks.append(response_key_hook)
        # Strengths on cached pages are state regions, one read a map and perspective.
        fragments.register_state("strength", strength_regions, show_strength, by_variant=True)
        # The same strengths drawn in the diagram's boxes (SVG).
        fragments.register_state("drawn-strength", strength_regions, draw_strength, by_variant=True)
        fragments.register_state("explanation", explanation_regions, mark_safe, by_variant=True)

from django.apps import AppConfig


class DebatesConfig(AppConfig):
    name = "argmap.debates"
    label = "debates"
    verbose_name = "Argument maps"

    def ready(self) -> None:
        from . import counts, fragments, order

        fragments.connect()
        counts.connect()  # after the tokens': count rows are written after token rows
        order.connect()

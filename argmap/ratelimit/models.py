from django.db import models


class RateCounter(models.Model):
    """One fixed-window counter of argmap.ratelimit.limits, which alone writes it (raw SQL).

    A table rather than the cache: one INSERT … ON CONFLICT DO UPDATE … RETURNING counts
    atomically on PostgreSQL and SQLite alike, where the database cache reads then writes.
    The table keeps the name it had when the model lived in argmap.core (migration
    ratelimit.0001 moved the model, not its rows).
    """

    name = models.CharField(max_length=255, primary_key=True)
    count = models.IntegerField()
    expires = models.FloatField(help_text="When the window ends, in seconds since the epoch.")

    class Meta:
        db_table = "argmap_rate_counter"

    def __str__(self) -> str:
        return f"{self.name}: {self.count}"

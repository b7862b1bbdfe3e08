from django.db import models


class RateCounter(models.Model):
    """One fixed-window counter of argmap.lib.ratelimit, which alone writes it (raw SQL).

    A table rather than the cache: one INSERT … ON CONFLICT DO UPDATE … RETURNING counts
    atomically on PostgreSQL and SQLite alike, where the database cache reads then writes.
    """

    name = models.CharField(max_length=255, primary_key=True)
    count = models.IntegerField()
    expires = models.FloatField(help_text="When the window ends, in seconds since the epoch.")

    class Meta:
        db_table = "argmap_rate_counter"

    def __str__(self):
        return f"{self.name}: {self.count}"

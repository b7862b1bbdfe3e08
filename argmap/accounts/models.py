from django.contrib.auth.models import AbstractUser
from django.db import models

from argmap.lib.rows import UpdateOnlyModel

from .names import name_key


class User(AbstractUser, UpdateOnlyModel):
    """A reader who annotates, or a curator (staff in the Curators group).

    Our own model from the start, so fields can be added without swapping models later.
    """

    # Two accounts may not look alike: "аlice" (Cyrillic а) is refused where "alice" exists.
    name_key = models.CharField(max_length=150, unique=True, editable=False)

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.get_username())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

from collections.abc import Collection
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.mail import send_mail
from django.db import models, transaction

from argmap.lib.rows import UpdateOnlyModel

from .names import name_key


class User(AbstractUser, UpdateOnlyModel):
    """A reader who annotates, or a curator (staff in the Curators group).

    Our own model from the start, so fields can be added without swapping models later.
    """

    # Two accounts may not look alike: "аlice" (Cyrillic а) is refused where "alice" exists.
    name_key = models.CharField(max_length=150, unique=True, editable=False)
    # Profile settings. Both off until the reader turns them on.
    notify_by_email = models.BooleanField(
        "email me when the curators decide a proposal of mine",
        default=False,
        help_text="Only where the site sends mail, and only to the address on your account.",
    )
    credit_proposals = models.BooleanField(
        "credit me by name in the map's public fixtures",
        default=False,
        help_text="The curated map lives in a public git repository; without this, an "
        "accepted proposal goes there without your name.",
    )

    # What the public map says of a proposal of theirs that became a node.
    ANONYMOUS_CREDIT = "a reader"

    def credit(self) -> str:
        """The name an accepted proposal of theirs carries in the map and its public
        fixtures: theirs only when they chose to be credited."""
        return self.username if self.credit_proposals else self.ANONYMOUS_CREDIT

    @classmethod
    def from_db(
        cls,
        db: str | None,
        field_names: Collection[str],
        values: Collection[Any],
        **kwargs: Any,  # what a later Django adds (fetch_mode), passed on
    ) -> Self:
        user = super().from_db(db, field_names, values, **kwargs)
        user._stored_username = user.username
        return user

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The key follows a new name only: an existing account keeps the key it was given,
        # so a stricter skeleton (argmap.accounts.names) never makes two old accounts clash.
        if self._state.adding or self.username != getattr(self, "_stored_username", None):
            self.name_key = name_key(self.get_username())
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "username" in update_fields:
                kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)
        self._stored_username = self.username


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a user should hear about (a curator decided their proposal), shown in the
    header as a count and listed at /accounts/notifications/, read once seen there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=600)
    url = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text[:60]

    @classmethod
    def tell(cls, user: User, text: str, url: str = "") -> "Notification":
        """Notify user in the app, and by email after the transaction commits when the site
        sends mail (EMAIL_HOST) and they asked for it."""
        notification = cls.objects.create(user=user, text=text[:600], url=url[:300])
        if settings.EMAIL_HOST and user.notify_by_email and user.email:
            transaction.on_commit(
                lambda: send_mail(
                    "Argmap: " + text[:80],
                    f"{text}\n\n{url}",
                    None,
                    [user.email],
                    fail_silently=True,  # a mail server down never undoes the decision
                )
            )
        return notification

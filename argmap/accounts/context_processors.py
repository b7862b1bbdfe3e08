from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Notification


def notifications(request: HttpRequest) -> dict[str, object]:
    """The count of the user's unread notifications, for the header: counted only when a
    page shows it (a logged-in page), never for a visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(user_id=user.pk).unread().count()
        )
    }

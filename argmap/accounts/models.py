from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A reader who annotates, or a curator (staff in the Curators group).

    Our own model from the start, so fields can be added without swapping models later.
    """

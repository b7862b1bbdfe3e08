import uuid

from django.db import models


def new_token():
    return uuid.uuid4().hex


class Revision(models.Model):
    """A token that changes whenever the published content changes.

    Rendered fragments of the map are cached under it in each app server's memory; since
    the token lives in the shared database, every server sees a change at once, and
    stale fragments are simply never asked for again.
    """

    CONTENT = "content"

    name = models.CharField(max_length=50, primary_key=True)
    token = models.CharField(max_length=32, default=new_token)

    def __str__(self):
        return f"{self.name}: {self.token}"

    @classmethod
    def current(cls, name=CONTENT):
        revision, _ = cls.objects.get_or_create(name=name)
        return revision.token

    @classmethod
    def bump(cls, name=CONTENT):
        # One UPDATE, no read: bulk deletes fire this once per row.
        if not cls.objects.filter(name=name).update(token=new_token()):
            cls.objects.get_or_create(name=name)


def bump_content_revision(sender, **kwargs):
    """Signal receiver: any saved or deleted row of published content changes the revision."""
    Revision.bump()

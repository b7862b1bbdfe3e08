"""Staff hide and unhide annotations and see their flags."""

import pytest
from django.contrib.admin.models import LogEntry

from ..factories import (
    PassageAnnotationFactory,
    UserFactory,
)

# Moderation -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_hide_and_unhide_annotations_and_see_their_flags(curator_client):
    annotation = PassageAnnotationFactory()
    for flagger in UserFactory.create_batch(2):
        annotation.flags.create(flagged_by=flagger, reason="rude")
    listing = curator_client.get("/admin/annotations/annotation/")
    assert listing.context["cl"].result_list[0].flag_count == 2
    hide = {"action": "hide", "_selected_action": [annotation.pk]}
    curator_client.post("/admin/annotations/annotation/", hide)
    annotation.refresh_from_db()
    assert annotation.is_hidden
    assert LogEntry.objects.get(object_id=str(annotation.pk)).get_change_message() == "Hidden"
    curator_client.post("/admin/annotations/annotation/", {**hide, "action": "unhide"})
    annotation.refresh_from_db()
    assert not annotation.is_hidden
    page = curator_client.get(f"/admin/annotations/annotation/{annotation.pk}/change/")
    assert page.content.decode().count("rude") >= 2

"""Who reaches the admin: curators stop at the map, others log in."""

import pytest

from ..curation_support import claim_under_a_thesis, form_data, node_change_url
from ..factories import (
    AnchorFactory,
    UserFactory,
)

# Who reaches the admin -----------------------------------------------------------------


@pytest.mark.django_db
def test_curators_permissions_stop_at_the_map(curator_client, curator):
    assert curator_client.get("/admin/accounts/user/").status_code == 403
    assert curator_client.get("/admin/auth/group/").status_code == 403
    assert curator_client.get(f"/admin/accounts/user/{curator.pk}/change/").status_code == 403
    assert curator.has_perm("debates.change_node")
    assert curator.has_perm("debates.add_anchor")
    assert curator.has_perm("annotations.change_proposal")
    assert not curator.has_perm("debates.delete_source")
    assert not curator.has_perm("auth.change_user")
    assert curator_client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_curator_can_change_a_node(curator_client):
    node = claim_under_a_thesis(text="Old words.")
    AnchorFactory(node=node)
    data = form_data(curator_client.get(node_change_url(node)))
    data["text"] = "New words."
    assert curator_client.post(node_change_url(node), data).status_code == 302
    node.refresh_from_db()
    assert node.text == "New words."


@pytest.mark.django_db
def test_a_plain_user_is_sent_to_the_admin_login(client):
    client.force_login(UserFactory())
    response = client.get("/admin/debates/node/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

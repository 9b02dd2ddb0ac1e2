"""The repository page for people with fewer rights: the switch to mirror state offered only to
an admin, the status from mirror health for a member without rights (both kinds' pages:
tests/pages/)."""

from __future__ import annotations

import pytest

from tests.support.forms import page
from tests.support.pages import text

pytestmark = pytest.mark.django_db


def test_a_read_only_superuser_is_not_offered_the_switch_to_mirror_state(client_as, emulator):
    body = text(page(client_as("dave"), "acme", "app"))
    assert "Not mirrored" in body
    assert "Only an admin of the repository can" in body
    assert "Switch to mirror state" not in body


def test_an_admin_is_offered_the_switch_to_mirror_state(client_as, emulator):
    body = text(page(client_as("alice"), "acme", "app"))
    assert "Switch to mirror state" in body


def test_a_member_without_rights_on_the_repository_sees_its_status_from_mirror_health(
    client_as, emulator
):
    response = page(client_as("bob"), "globex", "traefik")

    body = text(response)
    assert response.status_code == 200
    assert "mirror health report" in body
    assert "status-fail" in body and "Failed" in body
    assert "Quay does not let you see globex/traefik itself" in body
    assert 'id="settings-form"' not in body
    assert "Quay does not let you see globex/traefik: you have no rights on it." not in body


def test_a_repository_out_of_the_persons_namespaces_is_still_refused(client_as, emulator):
    response = page(client_as("carol"), "globex", "traefik")
    assert response.status_code == 403
    assert "Quay does not let you see globex/traefik: you have no rights on it." in text(response)

"""The mirrors-as-code page (``/as-code/``): export a download, upload a file and see its
plan; a bad file said with its line and field; never a 500; CSRF on the upload."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.emulator import free_port
from tests.support.pages import text_of
from tests.support.received import calls, clear_log

from .conftest import entry

pytestmark = pytest.mark.django_db


def rows(html: str) -> dict[str, str]:
    """mirror -> its plan's action, as the page shows them."""
    return dict(
        (mirror, action)
        for action, mirror in re.findall(
            r'<tr data-action="([a-z_]+)" data-mirror="([^"]+)">', html
        )
    )


def download(client, query: str) -> str:
    response = client.get(f"/as-code/export/{query}")
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Content-Disposition"].startswith('attachment; filename="mirrors-')
    return response.content.decode()


def test_it_requires_sign_in(client, emulator):
    assert client.get("/as-code/").status_code == 302


def test_the_page_offers_the_persons_namespaces(alice):
    html = alice.get("/as-code/").content.decode()
    for ns in ("acme", "globex", "initech"):
        assert f'name="ns" value="{ns}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_the_download_is_the_commands_file(alice, mirrors):
    text = download(alice, "?ns=acme&format=yaml")
    assert yaml.safe_load(text)["mirrors"] == yaml.safe_load(mirrors("export", "acme"))["mirrors"]
    assert '"kind": "repository"' in download(alice, "?ns=acme&format=json")


def test_no_namespace_chosen_is_said(alice):
    response = alice.get("/as-code/export/?format=yaml")
    assert response.status_code == 400
    assert "Choose at least one namespace." in response.content.decode()


def test_an_uploaded_file_is_planned_per_mirror(alice, emulator):
    data = yaml.safe_load(download(alice, "?ns=acme"))
    entry(data, "acme/nginx")["sync_interval"] = 43200
    entry(data, "acme/redis")["skopeo_timeout_interval"] = 10
    upload = SimpleUploadedFile("m.yaml", yaml.safe_dump(data, sort_keys=False).encode())
    clear_log(emulator)
    response = alice.post("/as-code/plan/", {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    planned = rows(html)
    assert planned["acme/nginx"] == "update" and planned["acme/redis"] == "refused"
    assert list(planned.values()).count("unchanged") == 11
    assert "interval: 6 hours → 12 hours" in text_of(html)
    assert "The timeout must be at least 5 minutes" in text_of(html)
    assert not [c for c in calls(emulator) if not c.startswith("GET ")]


def test_a_pasted_file_with_a_syntax_error_is_said_with_its_line(alice, emulator):
    clear_log(emulator)
    response = alice.post("/as-code/plan/", {"text": "version: 1\nmirrors: [\n  {kind: x\n"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This file cannot be used" in html and "line " in html and "not valid YAML" in html
    assert not [c for c in calls(emulator) if "mirror" in c]


def test_a_password_written_in_the_file_is_refused_and_never_shown(alice):
    text = (
        "version: 1\nmirrors:\n- kind: repository\n  namespace: acme\n  repository: flaky\n"
        "  external_registry_password: hunter2\n"
    )
    html = alice.post("/as-code/plan/", {"text": text}).content.decode()
    assert "write the password as {env: NAME}" in html and "hunter2" not in html


def test_nothing_uploaded_is_said(alice):
    response = alice.post("/as-code/plan/", {})
    assert response.status_code == 400
    assert "Choose a file, or paste one." in response.content.decode()


def test_the_upload_needs_the_csrf_token(strict_client_as):
    client = strict_client_as("alice")
    assert client.post("/as-code/plan/", {"text": "version: 1\nmirrors: []\n"}).status_code == 403


def test_quay_down_is_a_message_not_a_500(alice, settings):
    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"
    text = "version: 1\nmirrors:\n- {kind: repository, namespace: acme, repository: redis}\n"
    response = alice.post("/as-code/plan/", {"text": text})
    assert response.status_code == 200  # the plan says it of each mirror
    html = response.content.decode()
    assert rows(html) == {"acme/redis": "unreadable"}
    assert "the repositories of acme could not be listed: Quay cannot be reached" in html
    assert "Quay cannot be reached" in response.content.decode()


def test_quay_failing_makes_a_plan_of_mirrors_not_read_never_refused(alice, emulator):
    """Quay answering 503: each mirror of the file could not be read (not "refused"), and the
    mirrors in Quay that the file does not name are not known (never "0")."""
    text = (
        "version: 1\nmirrors:\n- {kind: repository, namespace: acme, repository: redis}\n"
        "- {kind: repository, namespace: globex, repository: mysql}\n"
    )
    emulator.configure(fail={"/api/v1/repository": 503})
    try:
        plan = text_of(alice.post("/as-code/plan/", {"text": text}).content.decode())
        drift = text_of(alice.post("/as-code/drift/", {"text": text}).content.decode())
    finally:
        emulator.configure(fail={})
    assert (
        "Plan: 0 to create, 0 to update, 0 unchanged, 0 conflicts, 0 refused, 2 could not be "
        "read; in Quay not in the file: not known (acme, globex could not be listed)."
    ) in plan
    assert "acme/redis line 3 could not be read from Quay (not sent)" in plan
    assert "in Quay not in the file: not known (acme, globex could not be listed)" in drift
    assert "2 could not be compared" in drift


def textarea(html: str) -> str:
    """What the page's text box holds (the browser drops the newline after ``<textarea>``)."""
    found = re.search(r'<textarea id="ac-text"[^>]*>\n?(.*?)</textarea>', html, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_a_pasted_file_with_a_syntax_error_comes_back_to_correct(alice):
    pasted = "version: 1\nmirrors: [\n  {kind: x\n"
    html = alice.post("/as-code/plan/", {"text": pasted}).content.decode()
    assert "not valid YAML" in html
    assert textarea(html) == pasted  # whole, as typed
    assert "<details open>" in html  # "or paste it" stays open


def test_a_plan_with_refused_entries_keeps_the_pasted_file(alice):
    pasted = (
        "version: 1\nmirrors:\n- kind: repository\n  namespace: acme\n  repository: redis\n"
        "  colour: red & <blue>\n- kind: repository\n  namespace: acme\n  repository: nginx\n"
        "  skopeo_timeout_interval: 100\n"
    )
    html = alice.post("/as-code/plan/", {"text": pasted}).content.decode()
    planned = rows(html)
    assert planned["acme/redis"] == "refused" and planned["acme/nginx"] == "refused"
    assert textarea(html) == pasted.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert "<details open>" in html


def test_an_uploaded_file_comes_back_as_text(alice):
    text = "version: 1\nmirrors:\n- {kind: repository, namespace: acme, repository: redis, x: 1}\n"
    upload = SimpleUploadedFile("m.yaml", text.encode())
    html = alice.post("/as-code/drift/", {"file": upload}).content.decode()
    assert textarea(html) == text


def test_a_file_with_a_password_written_in_it_is_not_sent_back(alice):
    pasted = "version: 1\nmirrors: [\n  {external_registry_password: hunter2\n"  # not YAML even
    html = alice.post("/as-code/plan/", {"text": pasted}).content.decode()
    assert "hunter2" not in html and textarea(html) == ""
    assert "it has a password written in it" in text_of(html)


@pytest.mark.parametrize("address", ["/as-code/plan/", "/as-code/drift/"])
def test_opening_the_forms_address_again_goes_to_the_page(alice, address):
    response = alice.get(address)
    assert response.status_code == 302 and response["Location"] == "/as-code/"
    assert alice.get(address, follow=True).status_code == 200
    assert alice.put(address).status_code == 405

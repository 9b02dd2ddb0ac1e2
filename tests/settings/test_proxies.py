"""An organization mirror's proxies over HTTP: set, changed and cleared in the settings form,
only when changed, always with the rest of ``external_registry_config`` (Quay replaces it
whole: a TLS change keeps them), credentials in a proxy URL kept out of the audit trail and the
page's words. (A repository mirror's proxies: test_save.py, Quay dropping the first one set.)"""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import change, form_data, post_form, setup_data
from tests.support.org_api import config as quay_config
from tests.support.org_api import org_api
from tests.support.pages import text_of
from tests.support.received import clear_log, writes

pytestmark = pytest.mark.django_db


def registry_config(emulator: Any, org: str) -> dict[str, Any]:
    return quay_config(emulator, org)["external_registry_config"]


def with_proxy(emulator: Any, org: str, verify_tls: bool, **proxy: str | None) -> None:
    whole = {"http_proxy": None, "https_proxy": None, "no_proxy": None, **proxy}
    body = {"external_registry_config": {"verify_tls": verify_tls, "proxy": whole}}
    assert org_api(emulator, "PUT", org, json=body).ok


def test_a_new_proxy_is_sent_with_tls_and_its_credentials_stay_out_of_the_audit(olivia, emulator):
    clear_log(emulator)
    secret_proxy = "http://squid:s3cr3t-proxy@proxy.example.com:3128"
    response, after = change(olivia, "/org/orgnew/mirror/", https_proxy=secret_proxy)
    assert response.status_code == 302
    assert writes(emulator, "orgnew") == [
        (
            "PUT",
            {
                "external_registry_config": {
                    "verify_tls": True,
                    "proxy": {"http_proxy": None, "https_proxy": secret_proxy, "no_proxy": None},
                }
            },
        )
    ]
    assert "Saved: HTTPS proxy: none → http://***@proxy.example.com:3128." in text_of(after)
    assert registry_config(emulator, "orgnew")["proxy"]["https_proxy"] == secret_proxy
    entry = AuditEntry.objects.get(namespace="orgnew", action="update")
    assert list(entry.changes) == ["https_proxy"]  # TLS was sent, not changed
    assert entry.changes["https_proxy"]["to"] == "http://***@proxy.example.com:3128"
    assert entry.changes["https_proxy"]["applied"] is True
    page = after.content.decode()
    assert "s3cr3t-proxy" not in page.split('name="https_proxy"')[0]  # the read view hides it
    assert "http://***@proxy.example.com:3128" in text_of(after)


def test_changing_one_proxy_keeps_tls_and_the_other_proxies_as_quay_has_them(olivia, emulator):
    with_proxy(emulator, "orgnew", False, https_proxy="http://proxy:3128")
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    clear_log(emulator)
    data["no_proxy"] = "internal.example.com,10.0.0.0/8"
    response = post_form(olivia, "/org/orgnew/mirror/settings/", data)
    assert response.status_code == 302
    ((_method, body),) = writes(emulator, "orgnew")
    assert body == {
        "external_registry_config": {
            "verify_tls": False,
            "proxy": {
                "http_proxy": None,
                "https_proxy": "http://proxy:3128",
                "no_proxy": "internal.example.com,10.0.0.0/8",
            },
        }
    }
    assert registry_config(emulator, "orgnew")["verify_tls"] is False
    entry = AuditEntry.objects.get(namespace="orgnew", action="update")
    assert list(entry.changes) == ["no_proxy"]


def test_clearing_the_last_proxy_sends_tls_alone(olivia, emulator):
    with_proxy(emulator, "orgnew", False, http_proxy="http://proxy:3128")
    page = olivia.get("/org/orgnew/mirror/")
    assert '<details class="more" open>' in page.content.decode()  # a proxy is set
    clear_log(emulator)
    _response, after = change(olivia, "/org/orgnew/mirror/", http_proxy="")
    assert writes(emulator, "orgnew") == [
        ("PUT", {"external_registry_config": {"verify_tls": False}})
    ]
    assert registry_config(emulator, "orgnew") == {"verify_tls": False}
    assert "Saved: HTTP proxy: http://proxy:3128 → none." in text_of(after)
    assert "Proxies none" in text_of(after)


def test_an_untouched_form_sends_no_proxy_and_a_bad_one_is_refused_before_sending(olivia, emulator):
    clear_log(emulator)
    response, after = change(olivia, "/org/orgnew/mirror/")
    assert "Nothing to save: the settings are the same as in Quay." in text_of(after)
    response, _ = change(olivia, "/org/orgnew/mirror/", http_proxy="http://proxy .example.com:3128")
    assert response.status_code == 200
    assert "A proxy setting cannot contain spaces." in text_of(response)
    assert 'value="http://proxy .example.com:3128"' in response.content.decode()  # kept
    response, _ = change(olivia, "/org/orgnew/mirror/", no_proxy="x" * 4097)
    assert "The no-proxy list can have at most 4096 characters" in text_of(response)
    assert writes(emulator, "orgnew") == []


def test_a_set_up_sends_a_proxy_only_when_one_is_given(olivia, emulator):
    clear_log(emulator)
    data = setup_data(olivia, http_proxy="http://proxy:3128")
    response = post_form(olivia, "/org/orgempty/mirror/settings/", data)
    assert response.status_code == 302
    ((method, body),) = writes(emulator, "orgempty")
    assert method == "POST"
    assert body["external_registry_config"] == {
        "verify_tls": True,
        "proxy": {"http_proxy": "http://proxy:3128", "https_proxy": None, "no_proxy": None},
    }
    assert registry_config(emulator, "orgempty")["proxy"]["http_proxy"] == "http://proxy:3128"
    entry = AuditEntry.objects.get(namespace="orgempty", action="create")
    assert "http_proxy" in entry.changes and "https_proxy" not in entry.changes


def test_a_tls_change_keeps_the_proxies(client_as, emulator):
    proxy = {
        "verify_tls": True,
        "proxy": {"https_proxy": "http://proxy:3128", "http_proxy": None, "no_proxy": None},
    }
    assert org_api(emulator, "PUT", "orgnew", json={"external_registry_config": proxy}).ok
    client = client_as("olivia")
    data = form_data(client.get("/org/orgnew/mirror/"))
    data.pop("verify_tls", None)  # unticked
    post_form(client, "/org/orgnew/mirror/settings/", data)
    stored = quay_config(emulator, "orgnew")["external_registry_config"]
    assert stored["verify_tls"] is False
    assert stored["proxy"]["https_proxy"] == "http://proxy:3128"

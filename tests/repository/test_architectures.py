"""Issue 12, item 9: the settings form offers the architecture filter only where Quay takes
one (``architectures=``, from ``GET /api/v1/registry/capabilities``).

Built directly (the repository page passes the capabilities once it reads them): what the
person sees is the rendered form, what Quay would receive is the form's changes as the save
computes them (``changes.diff`` of the loaded and the submitted snapshot, ``to_api``).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.template.loader import render_to_string

from dashboard.mirrors.forms.base import data_from_pending, data_from_snapshot
from dashboard.mirrors.forms.repository import MirrorSettingsForm
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.pages.editor import tag_editor
from dashboard.mirrors.rules import changes
from dashboard.quay.models import (
    ARCHITECTURES,
    MirrorConfig,
    RegistryCapabilities,
    SyncStatus,
    to_api,
)
from tests.support.forms import form_data, page, save
from tests.support.pages import text

REFUSED = (
    "This Quay does not have sparse manifests (FEATURE_SPARSE_INDEX) on, so it refuses an "
    "architecture filter."
)
SPARSE = RegistryCapabilities(sparse_manifests=True, optional_architectures_allowed=True)
NO_SPARSE = RegistryCapabilities(sparse_manifests=False)


def config(architectures: tuple[str, ...] = ()) -> MirrorConfig:
    return MirrorConfig(
        is_enabled=True,
        external_reference="docker.io/library/nginx",
        sync_interval=21600,
        sync_start_date=datetime(2030, 1, 1, tzinfo=UTC),
        sync_status=SyncStatus.SUCCESS,
        root_rule=("1.2*", "latest"),
        robot_username="acme+mirror",
        architecture_filter=architectures,
    )


def form_for(
    stored: MirrorConfig, capabilities: RegistryCapabilities | None, **posted: Any
) -> MirrorSettingsForm:
    """The form for ``stored``, unbound, or as posted with ``posted`` changed."""
    kwargs: dict[str, Any] = {
        "namespace": "acme",
        "robots": ["acme+mirror"],
        "architectures": capabilities,
        "initial": MirrorSettingsForm.initial_from(stored),
    }
    if not posted:
        return MirrorSettingsForm(**kwargs)
    data = data_from_snapshot(changes.snapshot(stored))
    data.update(
        {name: value if isinstance(value, list) else [value] for name, value in posted.items()}
    )
    return MirrorSettingsForm(data_from_pending(data), **kwargs)


def sent(stored: MirrorConfig, form: MirrorSettingsForm) -> dict[str, Any]:
    """What the save would send Quay for this form (only what changed)."""
    assert form.is_valid(), form.errors
    target = RepoTarget("acme", "nginx")
    asked = changes.diff(target.snapshot(stored), target.form_snapshot(form.cleaned_data))
    values = {change.field: change.new for change in asked}
    return to_api(target.payload(values, stored, form.cleaned_data))


def rendered(form: MirrorSettingsForm) -> str:
    context = {
        "form": form,
        "namespace": "acme",
        "name": "nginx",
        "settings_url": "/save/",
        "editor": tag_editor("acme", "nginx"),
    }
    section = render_to_string("mirrors/settings_form.html#form", context)
    return re.search(r"<summary>Architectures</summary>(.*?)</details>", section, re.S).group(1)


def boxes(section: str) -> dict[str, str]:
    """Each architecture's checkbox tag."""
    return {
        value: tag
        for tag in re.findall(r'<input type="checkbox" name="architecture_filter"[^>]*>', section)
        for value in re.findall(r'value="([^"]+)"', tag)
    }


# -- a Quay without sparse manifests ------------------------------------------------------------


def test_without_sparse_manifests_the_filter_is_disabled_and_says_why():
    section = rendered(form_for(config(), NO_SPARSE))

    assert REFUSED in html.unescape(section)
    assert set(boxes(section)) == set(ARCHITECTURES)
    assert all(" disabled" in tag and "checked" not in tag for tag in boxes(section).values())
    assert "Quay may refuse" not in section
    assert 'name="clear_architecture_filter"' not in section


def test_without_sparse_manifests_a_posted_filter_is_not_sent():
    stored = config()
    form = form_for(stored, NO_SPARSE, architecture_filter=["amd64"], sync_interval_value="12")

    assert sent(stored, form) == {"sync_interval": 43200}


def test_without_sparse_manifests_a_stored_filter_is_still_shown_and_kept():
    stored = config(("amd64", "arm64"))
    section = html.unescape(rendered(form_for(stored, NO_SPARSE)))

    assert REFUSED in section
    ticked = {value for value, tag in boxes(section).items() if "checked" in tag}
    assert ticked == {"amd64", "arm64"}
    assert "Quay has the filter amd64, arm64 stored; it stays as it is unless you remove it." in (
        section
    )
    assert 'name="clear_architecture_filter"' in section
    form = form_for(stored, NO_SPARSE, architecture_filter=[], sync_interval_value="12")
    assert sent(stored, form) == {"sync_interval": 43200}  # unticking is ignored: disabled


def test_without_sparse_manifests_a_stored_filter_can_be_removed():
    stored = config(("amd64",))
    form = form_for(stored, NO_SPARSE, clear_architecture_filter="on")

    assert sent(stored, form) == {"architecture_filter": []}  # Quay accepts an empty filter


# -- a Quay with sparse manifests, and one that did not say -------------------------------------


def test_with_sparse_manifests_the_filter_is_offered_and_sent():
    stored = config()
    section = rendered(form_for(stored, SPARSE))

    assert REFUSED not in html.unescape(section)
    assert "Quay may refuse" not in section
    assert not any(" disabled" in tag for tag in boxes(section).values())
    form = form_for(stored, SPARSE, architecture_filter=["arm64", "amd64"])
    assert sent(stored, form) == {"architecture_filter": ["amd64", "arm64"]}


def test_the_architectures_offered_are_the_ones_quay_lists_plus_any_stored():
    capabilities = RegistryCapabilities(sparse_manifests=True, mirror_architectures=("arm64",))
    section = rendered(form_for(config(("s390x",)), capabilities))

    assert list(boxes(section)) == ["arm64", "s390x"]


@pytest.mark.parametrize("stored", [(), ("amd64",)])
def test_when_quay_did_not_say_the_filter_is_offered_as_before(stored):
    section = rendered(form_for(config(stored), None))

    assert REFUSED not in html.unescape(section)
    assert "Quay may refuse a filter when its sparse-manifest support is off." in section
    assert not any(" disabled" in tag for tag in boxes(section).values())
    form = form_for(config(stored), None, architecture_filter=["ppc64le"])
    assert sent(config(stored), form) == {"architecture_filter": ["ppc64le"]}


# -- the page: Quay's capabilities decide ------------------------------------------------------


@pytest.mark.django_db
def test_the_page_offers_no_filter_where_quay_refuses_one_and_a_save_sends_the_rest(
    client_as, emulator
):
    alice = client_as("alice")
    response = page(alice, "acme", "nginx")  # the emulator runs without FEATURE_SPARSE_INDEX
    body = html.unescape(text(response))
    assert REFUSED in body
    assert re.search(r'<input[^>]*name="architecture_filter"[^>]*disabled', body)
    data = form_data(response)
    data.update(architecture_filter=["arm64"], sync_interval_value="12")  # a crafted tick

    emulator.control("DELETE", "requests")
    save(alice, "acme", "nginx", data)

    puts = [r["json"] for r in emulator.requests_log() if r["method"] == "PUT"]
    assert puts == [{"sync_interval": 12 * 3600}]  # the disabled filter is not sent
    assert emulator.mirror("acme", "nginx")["architecture_filter"] == []


@pytest.mark.django_db
def test_with_sparse_manifests_on_the_page_offers_the_filter_and_saves_it(client_as, emulator):
    emulator.configure(sparse_index=True)
    alice = client_as("alice")
    response = page(alice, "acme", "nginx")
    assert REFUSED not in html.unescape(text(response))
    data = form_data(response)
    data.update(architecture_filter=["arm64"])
    save(alice, "acme", "nginx", data)
    assert emulator.mirror("acme", "nginx")["architecture_filter"] == ["arm64"]

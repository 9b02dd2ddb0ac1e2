"""``GET /api/v1/registry/capabilities`` and ``GET /config``: what this registry supports
(anonymous).

As Quay's ``endpoints/api/capabilities.py``: sparse manifests are supported exactly when
FEATURE_SPARSE_INDEX is on (the emulator's ``sparse_index`` option), and the architectures a
mirror may filter on are listed whatever the feature says.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from .auth import Ctx
from .responses import json_response
from .validation import VALID_ARCHITECTURES


def capabilities(ctx: Ctx) -> Response:
    """Anonymous: a missing, unknown or valid token all get the same answer."""
    sparse = ctx.state.options.sparse_index
    return json_response(
        {
            "sparse_manifests": {
                "supported": sparse,
                "required_architectures": [],
                "optional_architectures_allowed": sparse,
            },
            "mirror_architectures": sorted(VALID_ARCHITECTURES),
        }
    )


def web_config(ctx: Ctx) -> Response:
    """``GET /config`` (anonymous, outside ``/api/v1``): what Quay's own UI reads first; its
    ``features`` say which optional features run (``ORG_MIRROR``: FEATURE_ORG_MIRROR)."""
    options = ctx.state.options
    return json_response(
        {
            "config": {"SERVER_HOSTNAME": ctx.request.host, "REGISTRY_TITLE": "Quay"},
            "features": {
                "REPO_MIRROR": True,
                "ORG_MIRROR": options.org_mirror,
                "SPARSE_INDEX": options.sparse_index,
                "PROXY_CACHE": False,
            },
            "registry_state": "normal",
            "version_number": "Quay (emulator)",
        }
    )

"""``GET /api/v1/registry/capabilities``: what this registry supports (anonymous).

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

#!/usr/bin/env python3
"""How many lines of the dashboard exist for organization mirrors alone (issue 17's measure).

    python scripts/org_only_lines.py

Counts the non-blank lines of the files below, each of which serves organization mirrors and
nothing else, and prints them per file and in total. Which files count, and why:

- ``dashboard/mirrors/kinds/organization.py``: the organization's kind (``OrgTarget``);
- ``dashboard/mirrors/forms/organization.py``: its settings form (``OrgMirrorForm``);
- ``dashboard/mirrors/rules/org_status.py``: its status table and words;
- ``dashboard/mirrors/pages/organization.py``, ``org_form.py``, ``org_history.py``: its page
  module (the discovered repositories' table, the form's context, its history);
- ``dashboard/mirrors/operations/org_admin.py``, ``views/org_admin.py``: Verify and Delete;
- ``dashboard/mirrors/overview/orgs.py``, ``org_row.py``, ``views/overview_orgs.py``: its rows
  on the overview;
- ``dashboard/quay/org_client.py``, ``org_models.py``: its part of the Quay client and models;
- ``templates/mirrors/org_mirror.html``, ``org_settings.html``, ``overview_orgs.html``: its
  templates (the page skeleton, its settings form, its overview rows).

Only whole files are counted: an organization's branch inside a module both kinds use is not
(the ``duplicates`` tool is what shows twins there). The emulator (``dashboard/emulator/``)
is not the dashboard's code but a stand-in for Quay, and is left out. Lines of ``.py``,
``.html`` and ``.js`` files count when they hold anything but white space; comments and
docstrings count (they are read and kept like code).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIRRORS = "dashboard/mirrors"
FILES = (
    f"{MIRRORS}/kinds/organization.py",
    f"{MIRRORS}/forms/organization.py",
    f"{MIRRORS}/rules/org_status.py",
    f"{MIRRORS}/pages/organization.py",
    f"{MIRRORS}/pages/org_form.py",
    f"{MIRRORS}/pages/org_history.py",
    f"{MIRRORS}/operations/org_admin.py",
    f"{MIRRORS}/views/org_admin.py",
    f"{MIRRORS}/overview/orgs.py",
    f"{MIRRORS}/overview/org_row.py",
    f"{MIRRORS}/views/overview_orgs.py",
    "dashboard/quay/org_client.py",
    "dashboard/quay/org_models.py",
    "templates/mirrors/org_mirror.html",
    "templates/mirrors/org_settings.html",
    "templates/mirrors/overview_orgs.html",
)
COUNTED = (".py", ".html", ".js")
TARGET = 1300


def lines(path: Path) -> int:
    """The non-blank lines of ``path`` (0 when it is gone: a file merged away counts 0)."""
    if not path.exists() or path.suffix not in COUNTED:
        return 0
    return sum(1 for line in path.read_text().splitlines() if line.strip())


def main() -> int:
    total = 0
    for name in FILES:
        count = lines(ROOT / name)
        total += count
        print(f"{count:6d}  {name}")
    print(f"{total:6d}  total (target: at most {TARGET:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

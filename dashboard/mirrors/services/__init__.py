"""The mirror operations: what the pages (and management commands) do, without a request.

Each operation takes the person's Quay client, the acting :class:`~.person.Person`, a target
(:class:`~.target.RepoTarget`) and ``now`` (read once per request, ``mirrors.clock``), and
returns a result object; the views translate HTTP to these calls and their results to pages.

``overview``         the overview's rows (collect, one row again, rows after an action)
``repository_page``  everything the repository page shows
``mirror_settings``  create / update a mirror config: diff, conflicts, confirmations, send,
                     read back, verify, audit (a :class:`SaveResult`)
``rule_editor``      the glob editor's rows, checks and preview
``sync_actions``     Sync now, Cancel, bulk, and what Quay's 404 meant
``status_panel``     the live status (one poll state for the panel and the overview rows)
``repository_state`` switching a repository to mirror state
``audit_trail``      the audit entries a person may read, in words
"""

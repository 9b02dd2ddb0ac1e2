"""What the dashboard infers from what the sign-in learned (``services.person.Person``)."""

from __future__ import annotations

from dashboard.mirrors.services.person import Person


def person(**access) -> Person:
    return Person.from_access("alice", None, access.pop("scopes", None), access)


def test_an_org_admin_refused_a_mirror_of_their_organization_lacks_the_scope():
    # is_org_admin comes only with user:admin; then a refusal in acme can only be the scope.
    alice = person(memberships=["alice", "acme"], org_admin=["acme"])
    assert alice.refused_for_scope("acme") is True
    assert alice.refused_for_scope("globex") is None  # not known: both are named


def test_an_organization_mirror_refused_to_a_member_quay_says_is_no_admin_is_rights():
    # With user:admin Quay says is_org_admin false: refused whatever the token carries.
    oscar = person(memberships=["oscar", "orgmirror"], not_org_admin=["orgmirror"])
    assert oscar.refused_for_scope("orgmirror", "org:admin") is False
    olivia = person(memberships=["olivia", "orgmirror"], org_admin=["orgmirror"])
    assert olivia.refused_for_scope("orgmirror", "org:admin") is True
    assert (
        person(memberships=["oscar", "orgmirror"]).refused_for_scope("orgmirror", "org:admin")
        is None
    )  # is_org_admin not told: either


def test_a_refusal_in_ones_own_namespace_is_the_scope():
    assert person(memberships=["alice"]).refused_for_scope("alice") is True


def test_a_token_known_to_carry_repo_admin_was_refused_for_rights():
    assert person(holding=["repo:admin"]).refused_for_scope("acme") is False
    assert person(scopes=["repo:read", "repo:admin"]).refused_for_scope("acme") is False
    assert person(scopes=["repo:read"]).refused_for_scope("acme") is True


def test_a_read_only_superuser_may_change_only_their_own_namespaces():
    dave = person(superuser=True, memberships=["dave"])
    assert not dave.may_change("acme") and dave.may_change("dave")
    full = person(superuser=True, super_user=True, memberships=["dave"])
    assert full.may_change("acme")  # a token with super:user: Quay decides
    assert person().may_change("acme")  # nothing known (an older session): Quay decides
    assert not person(lacking=["repo:admin"]).may_change("alice")

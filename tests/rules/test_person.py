"""What the dashboard infers from what the sign-in learned (``person.Person``)."""

from __future__ import annotations

from dashboard.mirrors.person import Person


def person(**access) -> Person:
    return Person.from_access("alice", None, access.pop("scopes", None), access)


def test_an_org_admin_refused_a_mirror_of_their_organization_lacks_the_scope():
    # is_org_admin comes only with user:admin; then a refusal in acme can only be the scope.
    alice = person(memberships=["alice", "acme"], org_admin=["acme"])
    assert alice.refused_for_scope("acme") is True
    assert alice.refused_for_scope("globex") is None  # not known: both are named


def test_an_organization_mirror_refused_to_a_token_known_to_carry_org_admin_is_rights():
    # The sign-in learned org:admin (an OAuth grant, or is_org_admin true somewhere): a 403
    # can then only be the rights. Not known: either is named.
    oscar = person(memberships=["oscar", "orgmirror"], holding=["org:admin"])
    assert oscar.refused_for_scope("orgmirror", "org:admin") is False
    unknown = person(memberships=["oscar", "orgmirror"], org_admin=["orgmirror"])
    assert unknown.refused_for_scope("orgmirror", "org:admin") is None
    assert person(lacking=["org:admin"]).refused_for_scope("orgmirror", "org:admin") is True


def test_is_org_admin_true_proves_the_token_carries_org_admin():
    from dashboard.accounts.access import learn
    from dashboard.quay.models import Organization, QuayUser

    class Quay:  # the probes of a pasted token: every one answered
        def get_mirror_health(self, *args, **kwargs):
            return None

        def list_repositories(self, *args, **kwargs):
            return []

        def get_mirror(self, *args, **kwargs):
            from dashboard.quay.errors import QuayNotFound

            raise QuayNotFound("no such repository")

        def get_organization(self, org):
            from dashboard.quay.models import OrganizationView

            return OrganizationView(org, org == "orgmirror", True)

    def learned(*orgs, super_user=False):
        user = QuayUser("olivia", tuple(orgs), super_user=super_user)
        return learn(Quay(), user, None)  # type: ignore[arg-type]

    admin, member = Organization("orgmirror", True), Organization("orgnew", False)
    assert "org:admin" in learned(admin, member)["holding"]
    assert "org:admin" not in learned(member)["holding"]  # false: rights or scope
    assert "org:admin" not in learned(admin, super_user=True)["holding"]
    # Each organization's own answer says whom the token administers (asked at sign-in).
    assert learned(admin, member)["admin_of"] == ["orgmirror"]
    assert learned(admin, member)["not_admin_of"] == ["orgnew"]


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

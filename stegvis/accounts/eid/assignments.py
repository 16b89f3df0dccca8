"""A Swedish professional's assignments (medarbetaruppdrag), as Inera's IdP sends them at
each sign-in: each assignment for care and treatment at a care unit that uses Stegvis is
the membership that decides what they may do there. The memberships follow the assignments
at every sign-in (one no longer held is ended), and a person with several works under one
at a time: the one they pick, which is all the access policy sees of their care roles until
they pick another."""

from dataclasses import dataclass

from django.contrib.auth.middleware import get_user
from django.db import transaction
from django.utils.functional import SimpleLazyObject

from stegvis.accounts.eid.profiles import Profile, eid_data
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import OrganisationKind

# Where an assignment for care can be: a care unit, or a pain rehabilitation team.
ASSIGNED_AT = (OrganisationKind.CARE_UNIT, OrganisationKind.MMR_TEAM)
# In the session of a person signed in with assignments: {"units": [organisation ids],
# "unit": the one picked, or None until they pick}.
ACTING = "stegvis_acting_unit"


def assigned_roles() -> frozenset[str]:
    """The roles an assignment gives: those its holder works under one unit at a time."""
    return frozenset(role for p in eid_data().profile for role in p.title_roles.values())


@dataclass(frozen=True)
class Assignment:
    unit_hsa_id: str
    role: str


def assignments_in(profile: Profile, claims: dict) -> list[Assignment]:
    """The assignments for care and treatment in `claims`, in the role the person's title
    gives; none where the title gives no role Stegvis knows."""
    titles = claims.get(profile.title_claim) or []
    role = next((profile.title_roles[t] for t in titles if t in profile.title_roles), None)
    if role is None:
        return []
    found = []
    for value in claims.get(profile.assignment_claim) or []:
        parts = [part.strip() for part in value.split(";")]
        if len(parts) == 3 and parts[1] == profile.care_purpose and parts[2]:
            found.append(Assignment(parts[2], role))
    return found


@transaction.atomic
def take_up(user: User, assignments: list[Assignment]) -> list[Membership]:
    """Make the person's memberships in assigned roles at catalogued units (those with an
    HSA-id) exactly their assignments: the memberships they work under, by unit."""
    units = {
        unit.hsa_id: unit
        for unit in Organisation.objects.filter(
            hsa_id__in={a.unit_hsa_id for a in assignments}, kind__in=ASSIGNED_AT
        )
    }
    wanted = {(units[a.unit_hsa_id].pk, a.role) for a in assignments if a.unit_hsa_id in units}
    held = Membership.objects.filter(
        user=user, role__in=assigned_roles(), organisation__hsa_id__gt=""
    )
    held.exclude(
        pk__in=[m.pk for m in held if (m.organisation_id, m.role) in wanted]
    ).delete()  # fmt: skip
    kept = []
    for organisation_id, role in sorted(wanted):
        membership, _created = Membership.objects.update_or_create(
            user=user, organisation_id=organisation_id, role=role,
            defaults={"from_assignment": True},
        )  # fmt: skip
        kept.append(membership)
    return kept


def begin_acting(session, memberships: list[Membership]) -> bool:
    """Keep the units of this sign-in's assignments; the one, if there is one. Whether the
    person has still to pick."""
    units = sorted({m.organisation_id for m in memberships})
    session[ACTING] = {"units": units, "unit": units[0] if len(units) == 1 else None}
    return len(units) > 1


def several(session) -> bool:
    """Whether this sign-in's assignments leave a choice."""
    return len((session.get(ACTING) or {}).get("units", ())) > 1


def pick(session, unit: int) -> bool:
    acting = session.get(ACTING)
    if not acting or unit not in acting["units"]:
        return False
    session[ACTING] = {**acting, "unit": unit}
    return True


def narrowed(user: User, unit: int | None) -> User:
    """`user` as they work now: of the memberships their assignments give, only the one
    at the picked unit (none until they pick)."""
    user.act_at(unit)
    return user


class ActingUnitMiddleware:
    """Reads the person of a session with assignments as working under the picked one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        acting = session.get(ACTING) if session is not None else None
        if acting is not None:
            request.user = SimpleLazyObject(lambda: _acting_user(request, acting["unit"]))
        return self.get_response(request)


def _acting_user(request, unit: int | None):
    user = get_user(request)
    return narrowed(user, unit) if user.is_authenticated else user

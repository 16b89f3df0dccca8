"""Reads of a network, shaped for the pages and the API."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from stegvis.access.categories import ROLE_CEILING, Category
from stegvis.accounts.models import User
from stegvis.cases.country import country_of
from stegvis.network.models import OPEN_STATUSES, Consent, MemberStatus, NetworkMember
from stegvis.network.purposes import PurposeRule, purpose_set, purposes_for


def _open_consents():
    return Consent.objects.filter(withdrawn_at__isnull=True).order_by("category")


def active_consents(member: NetworkMember) -> list[Consent]:
    """The member's consents in force today (from the prefetch when `network_of` made it)."""
    today = timezone.localdate()
    current = getattr(member, "open_consents", None)
    if current is None:
        current = _open_consents().filter(member=member)
    return [c for c in current if c.is_active(today)]


def network_of(patient: User) -> list[NetworkMember]:
    """The open members of a patient's network with their current consents (2 queries)."""
    members = list(
        NetworkMember.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .select_related("user", "organisation")
        .prefetch_related(Prefetch("consents", queryset=_open_consents(), to_attr="open_consents"))
        .order_by("status", "created_at")
    )
    for member in members:
        member.active_consents = active_consents(member)
    return members


def pending_requests(patient: User) -> list[NetworkMember]:
    return list(
        NetworkMember.objects.filter(patient=patient, status=MemberStatus.REQUESTED)
        .select_related("user", "organisation")
        .order_by("created_at")
    )


@dataclass
class ConsentRow:
    category: str
    label: str
    consent: Consent | None


@dataclass
class PurposeSection:
    rule: PurposeRule
    legal_reference: str
    rows: list[ConsentRow] = field(default_factory=list)


def consent_grid(member: NetworkMember) -> list[PurposeSection]:
    """Per purpose that fits the member's role, each category they could be given."""
    current = {(c.category, c.purpose): c for c in active_consents(member)}
    ceiling = ROLE_CEILING.get(member.role, frozenset())
    country = country_of(member.patient_id)
    offered = purposes_for(member.role, country)
    sections = []
    for rule in offered:
        rows = [
            ConsentRow(category, Category(category).label, current.get((category, rule.code)))
            for category in rule.categories
            if category in ceiling
        ]
        sections.append(PurposeSection(rule, rule.legal_reference_for(country), rows))
    # A consent given under another country's purpose (before a move) is shown, to be
    # withdrawn, though nothing more is offered under it.
    for code in sorted({purpose for _category, purpose in current} - {r.code for r in offered}):
        rule = purpose_set().rules.get(code)
        if rule is None:
            continue
        rows = [
            ConsentRow(category, Category(category).label, consent)
            for (category, purpose), consent in current.items()
            if purpose == code
        ]
        sections.append(PurposeSection(rule, rule.legal_reference_for(min(rule.countries)), rows))
    return sections


def members_with_their_people() -> QuerySet[NetworkMember]:
    """Network members with their person and organisation, to resolve one through the door."""
    return NetworkMember.objects.select_related("organisation", "user")


def member_of(patient: User, member_id) -> NetworkMember | None:
    """One member of the patient's own network, or None."""
    return NetworkMember.objects.filter(pk=member_id, patient=patient).first()

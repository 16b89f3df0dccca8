"""Reads of a network, shaped for the pages and the API."""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from stegvis.access.categories import ROLE_CEILING, Category
from stegvis.accounts.models import User
from stegvis.network.models import OPEN_STATUSES, Consent, MemberStatus, NetworkMember
from stegvis.network.purposes import PurposeRule, purposes_for_role


def network_of(patient: User) -> list[NetworkMember]:
    """The open members of a patient's network with their current consents (2 queries)."""
    today = timezone.localdate()
    current = Consent.objects.filter(withdrawn_at__isnull=True).order_by("category")
    members = list(
        NetworkMember.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .select_related("user", "organisation")
        .prefetch_related(Prefetch("consents", queryset=current, to_attr="open_consents"))
        .order_by("status", "created_at")
    )
    for member in members:
        member.active_consents = [c for c in member.open_consents if c.is_active(today)]
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
    rows: list[ConsentRow] = field(default_factory=list)


def consent_grid(member: NetworkMember) -> list[PurposeSection]:
    """Per purpose that fits the member's role, each category they could be given."""
    today = timezone.localdate()
    current = {
        (c.category, c.purpose): c
        for c in member.consents.filter(withdrawn_at__isnull=True)
        if c.is_active(today)
    }
    ceiling = ROLE_CEILING.get(member.role, frozenset())
    sections = []
    for rule in purposes_for_role(member.role):
        rows = [
            ConsentRow(category, Category(category).label, current.get((category, rule.code)))
            for category in rule.categories
            if category in ceiling
        ]
        sections.append(PurposeSection(rule, rows))
    return sections

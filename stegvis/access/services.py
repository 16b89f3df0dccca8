"""Writes of the access app: log reviews (HSLF-FS 2016:40 4 kap. 9 §)."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from stegvis.access.care import EVENT_OBJECT
from stegvis.access.categories import Action, Category
from stegvis.access.models import LogReview, ReviewKind
from stegvis.access.reader import reader_for
from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.audit.models import AccessEvent, Outcome


def managed_units(user: User) -> list[Organisation]:
    return [m.organisation for m in user.memberships_cached() if m.role == Role.UNIT_MANAGER]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def events_in_scope(
    *, organisation: Organisation, start: date, end: date, criteria: dict
) -> QuerySet[AccessEvent]:
    """Events about the unit's patients in [start, end], narrowed by targeted criteria."""
    events = AccessEvent.objects.filter(
        patient__cases__organisation=organisation,
        occurred_at__gte=_day_start(start),
        occurred_at__lt=_day_start(end) + timedelta(days=1),
    )
    if criteria.get("actor_email"):
        events = events.filter(actor__email__iexact=criteria["actor_email"])
    if criteria.get("denied_only"):
        events = events.filter(outcome=Outcome.DENIED)
    if criteria.get("outside_unit"):
        # Accesses by other organisations; a patient reading their own data is not one.
        events = events.exclude(actor_organisation=organisation).exclude(actor=F("patient"))
    return events.distinct()


def record_review_read(reviewer: User, review: LogReview, events: list[AccessEvent]) -> None:
    """Reading events about a patient is reading their access log: one event per patient."""
    patients = {e.patient_id: e.patient for e in events if e.patient_id}
    records = []
    for patient in patients.values():
        decision = reader_for(reviewer).decide(patient, Category.ACCESS_LOG, Action.VIEW)
        records.append(
            audit.new_event(
                actor=reviewer,
                actor_role=decision.role,
                actor_organisation=decision.organisation,
                patient=patient,
                category=Category.ACCESS_LOG,
                action=Action.VIEW,
                outcome=Outcome.ALLOWED if decision.allowed else Outcome.DENIED,
                basis="log_review" if decision.allowed else decision.basis,
                object_type="log_review",
                object_id=review.pk,
            )
        )
    audit.append(records)


@transaction.atomic
def log_review_create(
    *,
    reviewer: User,
    organisation: Organisation,
    kind: str,
    start: date,
    end: date,
    sample_size: int,
    criteria: dict,
) -> LogReview:
    if organisation not in managed_units(reviewer):
        raise PermissionError("Only the unit's manager reviews its logs.")
    events = events_in_scope(organisation=organisation, start=start, end=end, criteria=criteria)
    ordering = "?" if kind == ReviewKind.RANDOM else "-occurred_at"
    sample = list(events.order_by(ordering).select_related("patient")[:sample_size])
    # Every care relationship established outside the named care team, emergencies first,
    # is reviewed whatever the sample: each has a place of its own.
    everything = events_in_scope(organisation=organisation, start=start, end=end, criteria={})
    stated = everything.filter(object_type=EVENT_OBJECT).select_related("patient")
    sample += [e for e in stated.order_by("basis", "occurred_at") if e not in sample]
    stored_criteria = {
        **criteria,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "sample_size": sample_size,
    }
    review = LogReview.objects.create(
        reviewer=reviewer, organisation=organisation, kind=kind, criteria=stored_criteria
    )
    review.events.set(sample)
    record_review_read(reviewer, review, sample)
    return review


@transaction.atomic
def log_review_complete(*, reviewer: User, review: LogReview, outcome: str, notes: str) -> None:
    review.outcome = outcome
    review.notes = notes
    review.completed_at = timezone.now()
    review.save(update_fields=["outcome", "notes", "completed_at"])

"""Reads of a patient's access log, for a patient the reader has already resolved."""

from django.db.models import QuerySet

from stegvis.accounts.models import Organisation, User
from stegvis.audit.models import BY_OTHERS, AccessEvent
from stegvis.cases.models import Case


def access_events_of(patient: User) -> QuerySet[AccessEvent]:
    """Every decision about the patient's data, the latest first, with the actor's unit."""
    return (
        AccessEvent.objects.filter(patient=patient)
        .select_related("actor_organisation", "actor")
        .order_by("-occurred_at", "-pk")
    )


# The home page says "more than 99" past this: a count of every access, which a caseload's
# views add to all day, took half of a patient's home page once they ran to thousands.
NEW_ACCESSES_COUNTED = 100


def new_accesses_of(patient, since):
    """Others' accesses to the patient's data since they last looked at their log, the
    first NEW_ACCESSES_COUNTED of them (to be counted)."""
    new = AccessEvent.objects.filter(BY_OTHERS, patient_id=patient, occurred_at__gt=since)
    # Narrowed again outside, so PostgreSQL looks only in the months since, not in each.
    return new.filter(pk__in=new.values_list("pk")[:NEW_ACCESSES_COUNTED])


def latest_case_at(patient: User, organisation: Organisation) -> Case:
    """The patient's newest case at a unit (the one a care relationship was just made for)."""
    return Case.objects.filter(patient=patient, organisation=organisation).latest("opened_on")

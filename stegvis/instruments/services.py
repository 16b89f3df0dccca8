"""Questionnaires given to patients: enabling instruments, scheduling, answering, expiry."""

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from itertools import batched

from django.db.models import Max, Q
from django.utils import timezone

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import record_system
from stegvis.accounts.models import User
from stegvis.audit import audit
from stegvis.cases.models import (
    Case,
    CaseStatus,
    CertificateDiagnosis,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
)
from stegvis.coaching.flags.services import questionnaire_answered
from stegvis.coaching.selectors import crisis_screen
from stegvis.core.crisis import patient_wrote
from stegvis.instruments.definitions import Instrument, instrument, instruments
from stegvis.instruments.models import (
    Administration,
    AdministrationStatus,
    InstrumentSetting,
    Occasion,
)
from stegvis.instruments.occasions import due_and_expiry, instruments_for, occasion_set
from stegvis.instruments.scoring import Score, score

ON_DEMAND_WINDOW_DAYS = 14
# Flags of an answer that show its patient the crisis lines at once: thoughts of self-harm
# (PHQ-9 item 9), or words of crisis in the activities they named.
CRISIS_FLAGS = frozenset({"self_harm", "crisis_words"})
RETURNED = (ClosedReason.RETURNED_TO_WORK, ClosedReason.NEW_WORK)


class InstrumentDisabled(Exception):
    """The instrument's licence is unclear and no administrator has enabled it."""


def enabled_codes() -> set[str]:
    decided = dict(InstrumentSetting.objects.values_list("code", "enabled"))
    return {
        code
        for code, definition in instruments().items()
        if decided.get(code, definition.enabled_by_default)
    }


def is_enabled(code: str) -> bool:
    return code in enabled_codes()


@audit.atomic()
def instrument_setting_set(*, actor: User, code: str, enabled: bool, reason: str = ""):
    if instrument(code) is None:
        raise KeyError(code)
    setting, _created = InstrumentSetting.objects.update_or_create(
        code=code, defaults={"enabled": enabled, "changed_by": actor, "reason": reason}
    )
    return setting


def main_diagnosis_code(case: Case) -> str | None:
    return main_diagnosis_codes([case.pk]).get(case.pk)


def main_diagnosis_codes(case_ids) -> dict:
    """Each case's main diagnosis: the first code of its latest signed certificate."""
    rows = (
        CertificateDiagnosis.objects.filter(
            certificate__case_id__in=case_ids, certificate__status=CertificateStatus.SIGNED
        )
        .order_by("certificate__case_id", "-certificate__signed_at", "position")
        .values_list("certificate__case_id", "code")
    )
    codes = {}
    for case_id, code in rows:
        codes.setdefault(case_id, code)
    return codes


def _came_back(case: Case) -> bool:
    return case.status == CaseStatus.FULL_RETURN or (
        case.status == CaseStatus.CLOSED and case.closed_reason in RETURNED
    )


def _last_signed_days(case_ids) -> dict:
    """Each case's last day of signed sick leave."""
    return dict(
        CertificatePeriod.objects.filter(
            certificate__case_id__in=case_ids, certificate__status=CertificateStatus.SIGNED
        )
        .order_by()
        .values("certificate__case_id")
        .annotate(last=Max("ends_on"))
        .values_list("certificate__case_id", "last")
    )


def _returned_on(case: Case, last_signed_day: date | None) -> date | None:
    """The first day back at work: the day after the last sick-leave period of a case
    that ended in a return (or its closing day if it had no signed periods)."""
    if not _came_back(case):
        return None
    return last_signed_day + timedelta(days=1) if last_signed_day else case.closed_on


def _anchor_days(case: Case, last_signed_day: date | None) -> dict:
    # program_started, program_ended: set by a clinician or an MMR team (occasion_schedule).
    return {
        "case_opened": case.sick_from or case.opened_on,
        "returned": _returned_on(case, last_signed_day),
    }


def _new_administrations(case, occasion, due_on, expires_on, codes, requested_by=None):
    return [
        Administration(
            patient_id=case.patient_id,
            case=case,
            instrument_code=code,
            instrument_version=instrument(code).version,
            occasion=occasion,
            due_on=due_on,
            expires_on=expires_on,
            requested_by=requested_by,
        )
        for code in codes
    ]


def administrations_plan_case(case: Case, today: date) -> list[Administration]:
    return administrations_plan_cases([case], today)


@audit.atomic()
def administrations_plan_cases(cases: list[Case], today: date) -> list[Administration]:
    """Create the questionnaires these cases are due for today (each occasion once), in
    the same few statements however many cases there are."""
    ids = [case.pk for case in cases]
    enabled = enabled_codes()
    diagnoses = main_diagnosis_codes(ids)
    last_signed_days = _last_signed_days([case.pk for case in cases if _came_back(case)])
    given = defaultdict(set)
    for case_id, code, occasion in Administration.objects.filter(case_id__in=ids).values_list(
        "case_id", "instrument_code", "occasion"
    ):
        given[case_id].add((code, occasion))
    rules = occasion_set().rules.values()
    new, planned = [], []
    for case in cases:
        codes = [c for c in instruments_for(diagnoses.get(case.pk)) if c in enabled]
        anchor_days = _anchor_days(case, last_signed_days.get(case.pk))
        due = []
        for rule in rules:
            anchor_day = anchor_days.get(rule.anchor)
            if anchor_day is None:
                continue
            due_on, expires_on = due_and_expiry(rule, anchor_day)
            # Only open windows: a questionnaire whose time has passed is not sent late.
            if due_on <= today < expires_on:
                missing = [c for c in codes if (c, rule.code) not in given[case.pk]]
                due += _new_administrations(case, rule.code, due_on, expires_on, missing)
        if due:
            new += due
            planned.append(case)
    if not new:
        return []
    # The unique constraint keeps a concurrent planner from giving an occasion twice.
    created = Administration.objects.bulk_create(new, ignore_conflicts=True)
    for case in planned:
        record_system(
            [case.patient_id],
            category=Category.QUESTIONNAIRES,
            action=Action.CREATE,
            basis="questionnaire_schedule",
            object_type="case",
            object_id=case.pk,
        )
    return created


PLAN_BATCH = 500


def administrations_plan(today: date | None = None) -> dict:
    """The daily job: every case that may be due for a questionnaire gets it."""
    today = today or timezone.localdate()
    earliest_return = today - timedelta(days=400)
    cases = Case.objects.filter(
        Q(status__in=(CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN, CaseStatus.FULL_RETURN))
        | Q(status=CaseStatus.CLOSED, closed_on__gte=earliest_return)
    ).order_by("pk")
    planned = 0
    for batch in batched(cases.iterator(chunk_size=PLAN_BATCH), PLAN_BATCH):
        planned += len(administrations_plan_cases(list(batch), today))
    return {"administrations": planned}


@audit.atomic()
def occasion_schedule(
    *, actor: User, case: Case, occasion: str, due_on: date, codes: list[str] | None = None
) -> list[Administration]:
    """A clinician gives questionnaires now or later: the end-of-program set, or any
    enabled instruments on demand."""
    enabled = enabled_codes()
    if codes is None:
        codes = list(instruments_for(main_diagnosis_code(case)))
    refused = [c for c in codes if c not in enabled]
    if refused:
        raise InstrumentDisabled(", ".join(refused))
    window = ON_DEMAND_WINDOW_DAYS
    if occasion != Occasion.ON_DEMAND:
        window = occasion_set().rules[occasion].window_days
    new = _new_administrations(
        case, occasion, due_on, due_on + timedelta(days=window), codes, requested_by=actor
    )
    # A scheduled occasion already given stays as it was (the unique constraint).
    return Administration.objects.bulk_create(new, ignore_conflicts=True)


class AlreadyAnswered(Exception):
    """The questionnaire was answered (or closed) before; nothing is overwritten."""


def administration_complete(
    *, actor: User, administration: Administration, answers: dict, activity_names=None
) -> Score:
    """Score and store the answers once. Raises AnswerErrors naming wrong items.

    A retried submission of the same answers returns the stored score; different answers
    to an answered questionnaire raise AlreadyAnswered.
    """
    definition: Instrument = instrument(administration.instrument_code)
    result = score(definition, answers)
    with audit.atomic():
        updated = Administration.objects.filter(
            pk=administration.pk, status=AdministrationStatus.PENDING
        ).update(
            status=AdministrationStatus.COMPLETED,
            answers=answers,
            activity_names=activity_names or {},
            total=result.total,
            band=result.band or "",
            flags=result.flags,
            completed_at=timezone.now(),
        )
        if not updated:
            administration.refresh_from_db()
            if administration.answers == answers:
                return result
            raise AlreadyAnswered
        administration.refresh_from_db()
        questionnaire_answered(administration, result)
        # What the patient wrote in their own words (the activities they named) passes the
        # same crisis rules as anything else they write.
        if patient_wrote(
            author=actor,
            patient_id=administration.patient_id,
            text="\n".join((activity_names or {}).values()),
            source_type="administration_words",
            source_id=administration.pk,
        ):
            result = replace(result, flags=[*result.flags, "crisis_words"])
            Administration.objects.filter(pk=administration.pk).update(flags=result.flags)
    return result


def crisis_after(administration: Administration):
    """The crisis screen an answered questionnaire shows its patient, or None. Read from the
    stored flags, so the result page and an answer sent again show it just the same."""
    if CRISIS_FLAGS & set(administration.flags):
        return crisis_screen(administration.patient)
    return None


def administrations_expire(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return Administration.objects.filter(
        status=AdministrationStatus.PENDING, expires_on__lte=today
    ).update(status=AdministrationStatus.EXPIRED)


def pending_for(patient: User, today: date | None = None):
    today = today or timezone.localdate()
    return Administration.objects.filter(
        patient=patient,
        status=AdministrationStatus.PENDING,
        due_on__lte=today,
        expires_on__gt=today,
    ).order_by("due_on", "instrument_code")

"""Building the analysis extract: one pseudonymised row per case, refreshed by the worker.

A refresh recomputes only what may have changed since the last one: every case still open
(it is censored on the new day), cases closed since, cases with a certificate signed, a
meeting held, a duty done or a plan version written since, and cases without a row. A
case's row is built from bulk reads of a chunk of cases, never a query per case.
"""

import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import F, Min, Q
from django.utils import timezone

from stegvis.accounts.roles import Role
from stegvis.cases import fmb
from stegvis.cases.models import (
    Case,
    CaseStatus,
    Certificate,
    CertificateDiagnosis,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
    Employment,
    MilestoneCompletion,
)
from stegvis.coaching.models import Reminder, ReminderStatus
from stegvis.coordination.models import Meeting, MeetingParticipant, MeetingStatus, Message
from stegvis.core.pseudonyms import pseudonym
from stegvis.insights.definitions import rules
from stegvis.insights.episode import Leave, course
from stegvis.insights.models import CaseExtract, ExtractState
from stegvis.instruments.models import Administration, AdministrationStatus, Occasion
from stegvis.plans.models import PlanVersion

CHUNK = 2000
# The duty "the employer's plan" in each country's rule set.
EMPLOYER_PLAN = ("employer_rtw_plan", "followup_plan")
SIP = "sip"
PLAN_DAYS = 30
FIELDS = [f.name for f in CaseExtract._meta.concrete_fields if f.name != "case"]


def _by_case(rows) -> dict:
    grouped = defaultdict(list)
    for case_id, *rest in rows:
        grouped[case_id].append(rest)
    return grouped


def _earliest(rows) -> dict:
    """{case id: its earliest date} from (case id, date-or-datetime) rows."""
    found: dict = {}
    for case_id, moment in rows:
        if moment is None:
            continue
        day = timezone.localdate(moment) if hasattr(moment, "tzinfo") and moment.tzinfo else moment
        if case_id not in found or day < found[case_id]:
            found[case_id] = day
    return found


def _leaves(case_ids) -> tuple[dict, dict]:
    """Per case, its certified periods (newest signed version of each certificate) and the
    FMB typical cases its certificates name."""
    rows = CertificatePeriod.objects.filter(
        certificate__case_id__in=case_ids, certificate__status=CertificateStatus.SIGNED
    ).values_list(
        "certificate__case_id",
        "certificate__series",
        "certificate__version",
        "certificate__signed_at",
        "certificate__fmb_typical_case",
        "starts_on",
        "ends_on",
        "degree",
    )
    newest: dict = {}
    rows = list(rows)
    for _case, series, version, *_rest in rows:
        newest[series] = max(version, newest.get(series, 0))
    leaves, typical = defaultdict(list), defaultdict(list)
    for case_id, series, version, signed_at, typical_case, start, end, degree in rows:
        if version != newest[series]:
            continue
        order = signed_at.timestamp() if signed_at else 0
        leaves[case_id].append(Leave(start, end, degree, order))
        if typical_case:
            typical[case_id].append((typical_case, degree))
    return leaves, typical


def _main_diagnoses(case_ids) -> dict:
    """The first diagnosis of each case's newest signed certificate."""
    rows = (
        CertificateDiagnosis.objects.filter(
            certificate__case_id__in=case_ids,
            certificate__status=CertificateStatus.SIGNED,
            position=0,
        )
        .order_by("certificate__case_id", "certificate__signed_at")
        .values_list("certificate__case_id", "code")
    )
    return dict(rows)  # the last (newest) wins


def _dfa(case_ids) -> dict:
    """Per case, (its certificates, those whose diagnosis–function–activity chain is
    complete), counting the newest signed version of each."""
    certificates = list(
        Certificate.objects.filter(
            case_id__in=case_ids, status=CertificateStatus.SIGNED
        ).values_list(
            "pk", "case_id", "series", "version", "functional_impairment", "activity_limitation"
        )
    )
    newest: dict = {}
    for _pk, _case, series, version, *_text in certificates:
        newest[series] = max(version, newest.get(series, 0))
    current = [c for c in certificates if c[3] == newest[c[2]]]
    texts = _by_case(
        CertificateDiagnosis.objects.filter(certificate_id__in=[c[0] for c in current])
        .values_list("certificate_id", "text")
    )  # fmt: skip
    counts: dict = defaultdict(lambda: [0, 0])
    for pk, case_id, _series, _version, impairment, limitation in current:
        counts[case_id][0] += 1
        diagnoses = [text for (text,) in texts.get(pk, [])]
        counts[case_id][1] += not fmb.dfa_gaps(diagnoses, impairment, limitation)
    return counts


def _fmb(code: str) -> tuple[str, int | None, "fmb.Guidance | None"]:
    guidance = fmb.guidance_for(code) if code else None
    if guidance is None:
        return "", None, None
    prefix = max((p for p in guidance.codes if code.startswith(p)), key=len)
    lenient = guidance.most_lenient
    return prefix, lenient.max_days if lenient else None, guidance


def _full_time_where_partial(guidance, named) -> bool | None:
    """Whether full-time leave was certified where the FMB typical case the physician named
    suggests part-time; unknown when no certificate named one."""
    judged = [
        (guidance.typical_case(typical_id), degree)
        for typical_id, degree in named
        if guidance is not None and guidance.typical_case(typical_id) is not None
    ]
    if not judged:
        return None
    return any(t.nudges_partial and degree == 100 for t, degree in judged)


def _start_of(day: date):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _facts(case_ids, as_of: date) -> dict[str, dict]:
    """The process dates of each case, from five bulk reads (a meeting planned for later
    is no contact yet)."""
    first_plan = _earliest(
        PlanVersion.objects.filter(plan__case_id__in=case_ids).values_list(
            "plan__case_id", "created_at"
        )
    )
    employer_plan = _earliest(
        MilestoneCompletion.objects.filter(case_id__in=case_ids, code__in=EMPLOYER_PLAN)
        .values_list("case_id", "completed_on")
    )  # fmt: skip
    sips = Meeting.objects.filter(case_id__in=case_ids, kind=SIP)
    sip = _earliest(sips.filter(status=MeetingStatus.HELD).values_list("case_id", "held_at"))
    sip_called = _earliest(sips.values_list("case_id", "created_at"))
    met = MeetingParticipant.objects.filter(
        meeting__case_id__in=case_ids, role=Role.REHAB_COORDINATOR
    ).exclude(meeting__status=MeetingStatus.CANCELLED)
    met = met.filter(meeting__starts_at__lt=_start_of(as_of + timedelta(days=1)))
    contact = _earliest(met.values_list("meeting__case_id", "meeting__starts_at"))
    # A message a coordinator wrote to the patient counts from the case's own unit.
    written = (
        Message.objects.filter(
            author_role=Role.REHAB_COORDINATOR,
            thread__patient__cases__id__in=case_ids,
        )
        .values_list("thread__patient__cases__id")
        .annotate(first=Min("created_at"))
    )
    for case_id, day in _earliest(written).items():
        if case_id not in contact or day < contact[case_id]:
            contact[case_id] = day
    return {
        "plan": first_plan,
        "employer_plan": employer_plan,
        "sip": sip,
        "sip_called": sip_called,
        "contact": contact,
    }


def _baselines(case_ids) -> dict:
    """Per case, (baseline questionnaires given, answered)."""
    counts: dict = defaultdict(lambda: [0, 0])
    given = Administration.objects.filter(case_id__in=case_ids, occasion=Occasion.BASELINE)
    for case_id, status in given.exclude(status=AdministrationStatus.CANCELLED).values_list(
        "case_id", "status"
    ):
        counts[case_id][0] += 1
        counts[case_id][1] += status == AdministrationStatus.COMPLETED
    return counts


def _checkins(patient_ids) -> dict:
    """Per patient, their check-in reminders by day: answered or missed."""
    found = defaultdict(list)
    rows = Reminder.objects.filter(
        patient_id__in=patient_ids,
        status__in=(ReminderStatus.ANSWERED, ReminderStatus.EXPIRED),
    ).values_list("patient_id", "occasion_on", "status")
    for patient_id, day, status in rows:
        found[patient_id].append((day, status == ReminderStatus.ANSWERED))
    return found


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _closing(case, as_of: date) -> tuple[date | None, str]:
    """How the case ended, as its status says: closed with its reason, or marked fully back
    at work ("Helt åter i arbete"), a return by the day it was marked (its closing day when
    one is given, else the day of the extract) even before its certificates' last day."""
    if case.status == CaseStatus.CLOSED:
        return case.closed_on, case.closed_reason
    if case.status == CaseStatus.FULL_RETURN:
        return min(case.closed_on or as_of, as_of), ClosedReason.RETURNED_TO_WORK
    return None, ""


def rows_for(case_ids, as_of: date) -> list[CaseExtract]:
    """The extract's rows of these cases, as of `as_of`."""
    definitions = rules()
    cases = Case.objects.filter(pk__in=case_ids).select_related("patient", "organisation")
    leaves, typical = _leaves(case_ids)
    diagnoses = _main_diagnoses(case_ids)
    facts = _facts(case_ids, as_of)
    dfa = _dfa(case_ids)
    baselines = _baselines(case_ids)
    checkins = _checkins({case.patient_id for case in cases})
    rows = []
    for case in cases:
        closed_on, closed_reason = _closing(case, as_of)
        seen = course(
            day_one=case.day_one,
            leaves=leaves.get(case.pk, []),
            closed_on=closed_on,
            closed_reason=closed_reason,
            as_of=as_of,
            rules=definitions,
        )
        code = diagnoses.get(case.pk, "")
        fmb_code, fmb_days, guidance = _fmb(code)
        reminders = [
            answered
            for day, answered in checkins.get(case.patient_id, [])
            if seen.start <= day < seen.end
        ]
        plan_on = facts["plan"].get(case.pk)
        day_30 = seen.start + timedelta(days=PLAN_DAYS - 1)
        if plan_on is not None and plan_on <= day_30:
            plan_by_30 = True
        else:
            plan_by_30 = None if day_30 >= as_of and seen.outcome == "censored" else False
        rows.append(
            CaseExtract(
                case=case,
                pseudonym=pseudonym("patient", case.patient_id),
                organisation_id=case.organisation_id,
                unit=case.organisation.name,
                physician=(
                    pseudonym("physician", case.responsible_physician_id)
                    if case.responsible_physician_id
                    else ""
                ),
                sex=case.patient.sex,
                age_band=definitions.age_band(_age(case.patient.birth_date, seen.start)),
                diagnosis_group=definitions.chapter_of(code) if code else "",
                fmb_diagnosis=fmb_code,
                start_date=seen.start,
                end_date=seen.end,
                outcome=seen.outcome,
                net_days=round(seen.net_days, 2),
                fmb_days=fmb_days,
                fmb_exceeded=None if fmb_days is None else seen.days > fmb_days,
                full_time_where_partial=_full_time_where_partial(
                    guidance, typical.get(case.pk, [])
                ),
                certificates=dfa[case.pk][0] if case.pk in dfa else 0,
                certificates_complete=dfa[case.pk][1] if case.pk in dfa else 0,
                employed=case.employment == Employment.EMPLOYED,
                sip_called=facts["sip_called"].get(case.pk),
                baseline_given=baselines[case.pk][0] if case.pk in baselines else 0,
                baseline_answered=baselines[case.pk][1] if case.pk in baselines else 0,
                checkins_due=len(reminders),
                checkins_answered=sum(reminders),
                first_coordinator_contact=facts["contact"].get(case.pk),
                plan_by_day_30=plan_by_30,
                employer_plan_done=facts["employer_plan"].get(case.pk),
                sip_held=facts["sip"].get(case.pk),
                as_of=as_of,
            )
        )
    return rows


# A change committed while the last refresh was reading is caught by the next one.
OVERLAP = timedelta(minutes=5)


def _changed_since(state: ExtractState):
    since = state.refreshed_at - OVERLAP
    return Case.objects.filter(
        ~Q(status=CaseStatus.CLOSED)
        | Q(closed_on__gte=state.as_of)
        | Q(extract__isnull=True)
        | Q(pk__in=Certificate.objects.filter(signed_at__gte=since).values("case_id"))
        | Q(pk__in=Meeting.objects.filter(held_at__gte=since).values("case_id"))
        | Q(pk__in=MilestoneCompletion.objects.filter(recorded_at__gte=since).values("case_id"))
        | Q(pk__in=PlanVersion.objects.filter(created_at__gte=since).values("plan__case_id"))
    )


def refresh(*, as_of: date | None = None, full: bool = False) -> dict:
    """Bring the extract up to `as_of` (today); `full` recomputes every case."""
    started = time.monotonic()
    as_of = as_of or timezone.localdate()
    now = timezone.now()
    state = ExtractState.objects.first() or ExtractState.objects.create()
    cases = Case.objects.all() if full or state.refreshed_at is None else _changed_since(state)
    ids = list(cases.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        CaseExtract.objects.bulk_create(
            rows_for(ids[start : start + CHUNK], as_of),
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=FIELDS,
        )
    seconds = time.monotonic() - started
    ExtractState.objects.filter(pk=state.pk).update(
        refreshed_at=now, as_of=as_of, rows=len(ids), seconds=seconds, version=F("version") + 1
    )
    return {"rows": len(ids), "seconds": round(seconds, 2), "as_of": as_of.isoformat()}

"""Norway's sykmelding: its code lists, Nav's rules for what is required when, and the
guidance a sykmelder is shown instead of Sweden's FMB (data/sykmelding_no.toml).

Each check returns messages per field, in the reader's language, so the form and the
signing step name the field at fault."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from django.utils.translation import gettext as _

from stegvis.cases.deadlines import DATA_DIR
from stegvis.cases.models import PeriodActivity, activity_of_degree
from stegvis.core.lawdata import Bilingual, DataFile, Record, load


class Coded(Record):
    code: str
    text: Bilingual


class Question(Record):
    id: str
    text: Bilingual


class QuestionGroup(Record):
    id: str
    from_week: int
    title: Bilingual
    source: str
    question: tuple[Question, ...]


class Principle(Record):
    code: str
    title: Bilingual
    text: Bilingual
    legal_reference: str
    source: str
    # Shown once the sick leave has lasted this many weeks.
    from_week: int


class Limits(Record):
    graded_min: int
    graded_max: int
    waiting_max_days: int
    treatment_days_per_week_max: int
    backdating_after_days: int
    activity_requirement_weeks: int
    legal_reference: str
    source: str


class SykmeldingFile(DataFile):
    version: str
    limits: Limits
    other_absence_reason: tuple[Coded, ...]
    medical_reason: tuple[Coded, ...]
    workplace_reason: tuple[Coded, ...]
    question_group: tuple[QuestionGroup, ...]
    guidance: tuple[Principle, ...]


@cache
def rules() -> SykmeldingFile:
    return load(DATA_DIR / "sykmelding_no.toml", SykmeldingFile)


def choices(kind: str) -> list[tuple[str, str]]:
    """A code list as form choices, in the reader's language."""
    return [(item.code, str(item.text)) for item in getattr(rules(), kind)]


ANSWER_MAX_LENGTH = 5000


def question_text(question_id: str) -> str:
    for group in rules().question_group:
        for question in group.question:
            if question.id == question_id:
                return f"{question.id} {question.text}"
    return question_id


def answer_field(question_id: str) -> str:
    return "answer_" + question_id.replace(".", "_")


def required_group(cumulative_days: int) -> QuestionGroup | None:
    """The group of questions due: the latest whose week the sick leave has reached."""
    due = [g for g in rules().question_group if cumulative_days >= g.from_week * 7]
    return max(due, key=lambda g: g.from_week, default=None)


# The kinds of activity a period can have (SM2013's five).
WAITING, GRADED, NO_ACTIVITY = (
    PeriodActivity.WAITING,
    PeriodActivity.GRADED,
    PeriodActivity.NO_ACTIVITY,
)
TREATMENT_DAYS, TRAVEL_GRANT = PeriodActivity.TREATMENT_DAYS, PeriodActivity.TRAVEL_GRANT
# What each activity keeps of a period's details (with the value of one not kept): what
# belongs to another activity is dropped, never stored unseen.
DETAIL_DEFAULTS = {
    "travel_grant": False, "treatment_days": None, "employer_input": "", "medical_reasons": [],
    "medical_reason_text": "", "workplace_reasons": [], "workplace_reason_text": "",
}  # fmt: skip
KEPT_FOR = {
    GRADED: ("travel_grant",),
    NO_ACTIVITY: ("medical_reasons", "medical_reason_text", "workplace_reasons",
                  "workplace_reason_text"),
    WAITING: ("employer_input",),
    TREATMENT_DAYS: ("treatment_days",),
    TRAVEL_GRANT: (),
}  # fmt: skip


# In both lists of reasons (8132, 8133), code 9 is "other", which must be described.
OTHER = "9"


def degree_of(activity: str, graded_degree: int | None) -> int:
    """The degree a period counts with: 100 when no activity is possible, the grade when
    graded, 0 when the person works (waiting, treatment days, travel grant)."""
    if activity == NO_ACTIVITY:
        return 100
    if activity == GRADED:
        return graded_degree or 0
    return 0


def period_errors(row: dict, *, days_before: int = 0) -> dict[str, list[str]]:
    """What one period lacks under Nav's rules. `days_before` counts the sick leave's days
    before this period starts, for the activity requirement."""
    limits, errors = rules().limits, {}
    activity, start, end = row.get("activity"), row.get("starts_on"), row.get("ends_on")
    length = (end - start).days + 1 if start and end and end >= start else 0
    if activity == GRADED:
        degree = row.get("degree")
        if degree is None or not limits.graded_min <= degree <= limits.graded_max:
            errors["degree"] = [
                _("A graded sick leave is from %(low)s to %(high)s %%.")
                % {"low": limits.graded_min, "high": limits.graded_max}
            ]
    elif activity == WAITING:
        if length > limits.waiting_max_days:
            errors["ends_on"] = [
                _("A waiting sick leave (avventende) lasts at most %(days)s days.")
                % {"days": limits.waiting_max_days}
            ]
        if not (row.get("employer_input") or "").strip():
            errors["employer_input"] = [
                _("Say what the employer could adapt (innspill til arbeidsgiver).")
            ]
    elif activity == TREATMENT_DAYS:
        days = row.get("treatment_days")
        most = max(-(-length // 7), 1) * limits.treatment_days_per_week_max
        if not days or not 1 <= days <= most:
            errors["treatment_days"] = [
                _("Give the treatment days in the period, from 1 to %(most)s (one a week).")
                % {"most": most}
            ]
    elif activity == NO_ACTIVITY:
        if messages := activity_requirement_errors(row.get("medical_reasons"), days_before, length):
            errors["medical_reasons"] = messages
        for codes, text in (("medical_reasons", "medical_reason_text"),
                            ("workplace_reasons", "workplace_reason_text")):  # fmt: skip
            if OTHER in (row.get(codes) or ()) and not (row.get(text) or "").strip():
                errors[text] = [_("Describe the reason chosen as 'other'.")]
    return errors


def activity_requirement_errors(medical_reasons, days_before: int, length: int) -> list[str]:
    """No activity possible past the activity requirement's week needs a medical reason."""
    weeks = rules().limits.activity_requirement_weeks
    if days_before + length > weeks * 7 and not medical_reasons:
        return [
            _(
                "From week %(weeks)s the activity requirement applies: give the medical "
                "reason why no activity is possible."
            )
            % {"weeks": weeks}
        ]
    return []


def code_errors(row: dict) -> dict[str, list[str]]:
    """Reasons outside Nav's code lists (the form offers only the lists; the API checks)."""
    errors = {}
    for field_name, code_list in (("medical_reasons", "medical_reason"),
                                  ("workplace_reasons", "workplace_reason")):  # fmt: skip
        known = {code for code, _text in choices(code_list)}
        if unknown := [c for c in row.get(field_name) or () if c not in known]:
            errors[field_name] = [
                _("Unknown reason codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            ]
    return errors


def certificate_field_errors(fields: dict) -> dict[str, list[str]]:
    """The certificate's own coded fields checked against Nav's lists."""
    errors = {}
    reason = fields.get("no_other_absence_reason") or ""
    if reason and reason not in {code for code, _text in choices("other_absence_reason")}:
        errors["no_other_absence_reason"] = [
            _("Unknown reason code: %(codes)s.") % {"codes": reason}
        ]
    questions = {q.id for g in rules().question_group for q in g.question}
    answers = fields.get("no_answers") or {}
    if unknown := sorted(set(answers) - questions):
        errors["no_answers"] = [_("Unknown questions: %(ids)s.") % {"ids": ", ".join(unknown)}]
    elif any(len(str(answer)) > ANSWER_MAX_LENGTH for answer in answers.values()):
        errors["no_answers"] = [
            _("An answer is longer than %(most)s characters.") % {"most": ANSWER_MAX_LENGTH}
        ]
    return errors


def clean_period(row: dict, *, sick_from: date | None) -> tuple[dict, int, dict]:
    """One period as the form or the API sends it: its errors by field, the degree it counts
    with, and the details it keeps. A period given only by its degree (the API) is no
    activity possible at 100 %, else graded. `sick_from` is day 1 of the sick leave, from
    which the activity requirement's weeks are counted."""
    activity = row.get("activity") or activity_of_degree(row.get("degree"))
    row = {**row, "activity": activity}
    start = row.get("starts_on")
    days_before = max((start - sick_from).days, 0) if start and sick_from else 0
    errors = period_errors(row, days_before=days_before) | code_errors(row)
    kept = KEPT_FOR.get(activity, ())
    details = {
        "activity": activity,
        **{
            name: (row.get(name) if row.get(name) is not None else default)
            if name in kept
            else default
            for name, default in DETAIL_DEFAULTS.items()
        },
    }
    return errors, degree_of(activity, row.get("degree")), details


def combination_errors(activities: Sequence[str]) -> list[str]:
    if WAITING in activities and len(activities) > 1:
        return [_("A waiting sick leave (avventende) cannot be combined with other periods.")]
    return []


@dataclass
class Assessment:
    """What the sykmelder is shown beside the form: the count of days, the principles that
    apply by now and the questions Nav asks at this point. Never blocks by itself."""

    cumulative_days: int
    counted: tuple[date, date] | None = None
    principles: list[Principle] = field(default_factory=list)
    question_group: QuestionGroup | None = None


def assess(cumulative_days: int, counted: tuple[date, date] | None) -> Assessment:
    weeks = cumulative_days / 7
    return Assessment(
        cumulative_days=cumulative_days,
        counted=counted,
        principles=[p for p in rules().guidance if weeks >= p.from_week],
        question_group=required_group(cumulative_days),
    )


def completeness_errors(certificate, assessment: Assessment) -> dict[str, list[str]]:
    """What a sykmelding needs before it is signed, beyond a diagnosis and a period."""
    errors: dict[str, list[str]] = {}
    if not certificate.examined_on:
        errors["examined_on"] = [_("Give the date you saw or treated the patient.")]
    if certificate.no_employer in ("one", "several") and not certificate.no_employer_name.strip():
        errors["no_employer_name"] = [_("Name the employer this sykmelding is for.")]
    if not certificate.no_employer:
        errors["no_employer"] = [_("Say whether the patient has an employer.")]
    if certificate.no_nav_assistance and not certificate.no_nav_assistance_text.strip():
        errors["no_nav_assistance_text"] = [_("Say why Nav should take up the case now.")]
    first = min((p.starts_on for p in certificate.periods.all()), default=None)
    limits = rules().limits
    contact = certificate.no_contact_on or certificate.examined_on
    backdated = first and contact and (contact - first).days > limits.backdating_after_days
    if backdated and not certificate.no_backdating_reason.strip():
        errors["no_backdating_reason"] = [
            _(
                "The sykmelding starts more than %(days)s days before you saw the patient: "
                "give the reason (tilbakedatering), and the date of an earlier contact if "
                "there was one."
            )
            % {"days": limits.backdating_after_days}
        ]
    # Counted from day 1 of the whole chain, earlier sykmeldinger included.
    chain_start = assessment.counted[0] if assessment.counted else None
    for period in certificate.periods.all():
        if period.activity_in_force != NO_ACTIVITY:
            continue
        before = (period.starts_on - chain_start).days if chain_start else 0
        length = (period.ends_on - period.starts_on).days + 1
        if messages := activity_requirement_errors(period.medical_reasons, before, length):
            errors["medical_reasons"] = messages
    group = assessment.question_group
    if group is not None:
        answers = certificate.no_answers or {}
        missing = [q for q in group.question if not (answers.get(q.id) or "").strip()]
        if missing:
            errors["no_answers"] = [
                _("Nav asks for further information at week %(week)s: answer %(questions)s.")
                % {"week": group.from_week, "questions": ", ".join(q.id for q in missing)}
            ]
    return errors

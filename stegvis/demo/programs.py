"""The demo's MMR team at Vårdcentralen Solbacken: a running cohort with Johan and Ali (T0
answered, admission and mid-program conferences held, goals set) and a cohort that finished
a year and some weeks ago, with eight participants' T0, T1 and T2 answers and sick leave
before and after, so the outcome page has figures to show. Its one-year questionnaires'
window is still open, so the team still takes part in those participants' care: the cohort
page names them and the registry export has their rows.

Each cohort is written with the services as if it began next week (so everyone joins before
its first session, as they did) and then dated back, with the team's, the program's and
each referral's dates before it: the services stamp what they do with the present."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for
from stegvis.accounts.models import Organisation, User
from stegvis.cases.models import (
    Case,
    CaseStatus,
    Certificate,
    CertificateDiagnosis,
    CertificateKind,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
    Occupation,
    Prognosis,
)
from stegvis.instruments.definitions import instrument
from stegvis.instruments.models import Administration, AdministrationStatus
from stegvis.instruments.occasions import add_months
from stegvis.instruments.scoring import score
from stegvis.programs import services
from stegvis.programs.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    Goal,
    Program,
    Referral,
    Session,
    Team,
)
from stegvis.programs.registry import registry

TEAM = "Smärtteamet Solbacken"
PLAN_V1 = """1, 1, 09:00, group, physiotherapist, 90, Smärta, kropp och rörelse
1, 3, 09:00, group, psychologist, 90, Smärta och tankar
1, 4, 13:00, individual, physician, 45, Läkarbesök: mediciner och mål
2, 1, 09:00, group, physiotherapist, 90, Att dosera aktivitet
2, 3, 09:00, group, social_worker, 90, Försäkringskassan, arbetsgivaren och du
3, 1, 09:00, group, psychologist, 90, Acceptans och värderingar
3, 3, 13:00, individual, physiotherapist, 60, Eget träningsprogram
4, 1, 09:00, group, physiotherapist, 90, Sömn och återhämtning
4, 3, 09:00, group, psychologist, 90, Stress och smärta
5, 1, 09:00, group, social_worker, 90, Vägen tillbaka till arbetet
5, 3, 13:00, individual, social_worker, 60, Samtal inför kontakt med arbetsplatsen
6, 1, 09:00, group, physiotherapist, 90, Min plan efter programmet"""
PLAN_V2 = PLAN_V1 + "\n6, 3, 09:00, group, psychologist, 90, Bakslag: vad gör jag då?"

# The finished cohort's participants: (login, given, family, T0/T1/T2 pain NRS, PHQ-9,
# GAD-7, PSFS, back at work a year on).
FINISHED = [
    ("mmr.anna", "Anna", "Berglund", (7, 5, 4), (14, 9, 7), (11, 8, 6), (3, 5, 6), True),
    ("mmr.birgitta", "Birgitta", "Dahl", (8, 6, 6), (16, 12, 11), (12, 10, 9), (2, 4, 4), True),
    ("mmr.cecilia", "Cecilia", "Ek", (6, 4, 3), (10, 6, 4), (9, 5, 4), (4, 6, 7), True),
    ("mmr.david", "David", "Falk", (7, 7, 6), (18, 15, 14), (14, 13, 12), (2, 3, 3), False),
    ("mmr.eva", "Eva", "Gren", (9, 6, 5), (12, 8, 6), (10, 7, 5), (3, 6, 6), True),
    ("mmr.fatima", "Fatima", "Hussein", (6, 5, 5), (9, 7, 8), (8, 7, 7), (4, 5, 5), True),
    ("mmr.greta", "Greta", "Isaksson", (8, 5, 4), (15, 10, 8), (13, 9, 7), (2, 5, 6), True),
    ("mmr.hanna", "Hanna", "Jonsson", (7, 6, 7), (11, 10, 12), (9, 9, 10), (3, 4, 3), False),
]
CODES = ("pain_nrs", "phq9", "gad7", "psfs")
# The finished cohort's main diagnoses (ICD-10): fibromyalgia, a moderate depressive episode.
WIDESPREAD_PAIN, DEPRESSION = "M79.7", "F32.1"
# Their identity numbers, from Skatteverket's test series (birth numbers 980–999) with valid
# check digits, as the demo's other patients (demo.py). The six who returned are women: a
# group of six in the region's file, so the analyst still sees the unit's curve.
FINISHED_NUMBERS = {
    "mmr.anna": "19790412-9827", "mmr.birgitta": "19710923-9843",
    "mmr.cecilia": "19850107-9860", "mmr.david": "19740630-9810",
    "mmr.eva": "19690218-9882", "mmr.fatima": "19820811-9928",
    "mmr.greta": "19660304-9948", "mmr.hanna": "19880527-9968",
}  # fmt: skip
WELCOME = (
    "Du har haft ont länge och vill pröva nya sätt att hantera det. "
    "Det är precis vad programmet är till för."
)
MID_PROGRESS = "Kommer till passen och prövar doseringen hemma."


def _answers(code: str, total: int) -> dict:
    """Answers that score `total`: filled from the first item (so PHQ-9's item 9 stays 0)."""
    definition = instrument(code)
    if definition.scoring == "mean":
        return {item.key: total for item in definition.items[: definition.required_items]}
    answers, left = {}, total
    for item in definition.items:
        value = min(item.maximum, left)
        answers[item.key], left = value, left - value
    return answers


def _answer(case: Case, occasion: str, totals: dict, when: datetime) -> None:
    for code, total in totals.items():
        answers = _answers(code, total)
        result = score(instrument(code), answers)
        Administration.objects.filter(case=case, occasion=occasion, instrument_code=code).update(
            status=AdministrationStatus.COMPLETED,
            answers=answers,
            activity_names={"1": "Gå", "2": "Städa", "3": "Bära"} if code == "psfs" else {},
            total=result.total,
            band=result.band or "",
            completed_at=when,
        )


def _moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _last_working_day(today: date) -> date:
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _sick_leave(case: Case, physician: User, periods, code: str = "") -> None:
    """Past certificates, signed then (the services date a certificate today)."""
    # The whole chain of diagnosis, function and activity, as a certificate should have it.
    certificate = Certificate.objects.create(
        case=case,
        kind=CertificateKind.FK_7804,
        created_by=physician,
        examined_on=periods[0][1],
        occupation=Occupation.JOB_SEEKER,
        functional_impairment="Nedsatt uthållighet och rörlighet av långvarig smärta.",
        activity_limitation="Klarar inte att stå, lyfta eller bära en hel arbetsdag.",
        prognosis=Prognosis.UNCLEAR,
        measures=["other"],
        measures_text="Multimodal rehabilitering i teamet.",
        working_hours_arranged=False if any(d < 100 for d, _s, _e in periods) else None,
    )
    if code:
        CertificateDiagnosis.objects.create(certificate=certificate, code=code)
    CertificatePeriod.objects.bulk_create(
        [
            CertificatePeriod(certificate=certificate, degree=d, starts_on=s, ends_on=e)
            for d, s, e in periods
        ]
    )
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.SIGNED, signed_by=physician, signed_at=_moment(periods[0][1])
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def load_programs(staff: dict[str, User], unit: Organisation, make_patient, today: date) -> None:
    if Team.objects.filter(name=TEAM).exists():
        return
    # The finished cohort ended about a year and two weeks ago: T2 is answered and its
    # window still open. The running one began three weeks ago, on a Monday.
    finished_starts = _monday(add_months(today, -12) - timedelta(days=14)) - timedelta(weeks=5)
    running_starts = _monday(today) - timedelta(weeks=3)
    founded = finished_starts - timedelta(days=90)
    lead, manager = staff["fysioterapeut"], staff["chef"]
    team = services.team_create(
        actor=manager, organisation=unit, name=TEAM, lead=lead, lead_profession="physiotherapist"
    )
    for login, profession in (
        ("lakare", "physician"),
        ("psykolog", "psychologist"),
        ("kurator", "social_worker"),
    ):
        services.team_member_add(actor=manager, team=team, user=staff[login], profession=profession)
    services.commitment_record(
        actor=manager,
        team=team,
        hours_per_week=Decimal(16),
        review_on=today + timedelta(days=180),
        note="Två halvdagar i veckan för teamet, utvärderas till hösten.",
    )
    program = services.program_create(
        actor=lead, team=team, name="Smärtskolan Solbacken", weeks=6, sessions_text=PLAN_V1
    )
    version_2 = services.program_revise(
        actor=staff["psykolog"],
        program=program,
        based_on=1,
        weeks=6,
        sessions_text=PLAN_V2,
        note="Deltagarna bad om ett pass om bakslag innan programmet slutar.",
    )
    # Version 1 before the finished cohort that ran it; version 2 after it, from what its
    # participants asked for, and before the running cohort.
    Team.objects.filter(pk=team.pk).update(created_at=_moment(founded))
    team.members.update(joined_on=founded)
    Program.objects.filter(pk=program.pk).update(created_at=_moment(founded + timedelta(14)))
    program.versions.filter(number=1).update(created_at=_moment(founded + timedelta(14)))
    program.versions.filter(number=2).update(
        created_at=_moment(finished_starts + timedelta(weeks=10))
    )
    _finished_cohort(
        team, program.versions.get(number=1), staff, unit, make_patient, today, finished_starts
    )
    _running_cohort(team, version_2, staff, today, running_starts)


def _include(team, case, cohort, staff, reason) -> Referral:
    """Referred by the physician; assessed by the team, the physician judging the medical
    criterion and the physiotherapist the others; included by the physiotherapist."""
    physician = staff["lakare"]
    resolved = get_case_for(
        physician, case.pk, category=Category.CLINICAL_NOTES, action=Action.CREATE
    )
    referral = services.referral_create(
        actor=physician, case=resolved, team=team, question="Långvarig smärta som styr vardagen."
    )
    for criterion in registry().criterion:
        judge = physician if criterion.judged_by == "physician" else staff["fysioterapeut"]
        services.judgement_record(
            actor=judge, referral=referral, criterion=criterion.code, met=True
        )
    return services.referral_decide(
        actor=staff["fysioterapeut"],
        referral=referral,
        revision=referral.revision,
        include=True,
        cohort=cohort,
        reason_to_patient=reason,
    )


def _cohort_ahead(team, version, staff, name: str, today: date, place: str = "") -> Cohort:
    """A cohort beginning next Monday: nothing of it has happened yet when people join."""
    return services.cohort_create(
        actor=staff["fysioterapeut"],
        version=version,
        name=name,
        starts_on=_monday(today) + timedelta(weeks=1),
        place=place,
    )


def _date_back(cohort: Cohort, starts: date, participants: list[Referral]) -> Cohort:
    """The cohort moved to begin on `starts` (a Monday), its sessions with it, and each
    participant's way in before it: referred a month before, judged and included two weeks
    before, given the questionnaires before the program (T0) the day of inclusion."""
    back = cohort.starts_on - starts
    Cohort.objects.filter(pk=cohort.pk).update(
        starts_on=starts,
        planned_end_on=cohort.planned_end_on - back,
        created_at=_moment(starts - timedelta(days=42)),
    )
    sessions = list(cohort.sessions.all())
    for session in sessions:
        # In local time, so a session keeps its hour across a change to summer time.
        local = timezone.localtime(session.starts_at)
        session.starts_at = timezone.make_aware(datetime.combine(local.date() - back, local.time()))
    Session.objects.bulk_update(sessions, ["starts_at"])
    referred, decided = starts - timedelta(days=30), starts - timedelta(days=14)
    for referral in participants:
        Referral.objects.filter(pk=referral.pk).update(
            referred_at=_moment(referred), decided_at=_moment(decided)
        )
        referral.judgements.update(judged_at=_moment(decided - timedelta(days=2)))
        Administration.objects.filter(case_id=referral.case_id, occasion="program_start").update(
            due_on=decided, expires_on=decided + timedelta(days=21), created_at=_moment(decided)
        )
    cohort.refresh_from_db()
    return cohort


def _finished_cohort(team, version, staff, unit, make_patient, today, starts) -> None:
    cohort = _cohort_ahead(team, version, staff, "Hösten, förra året", today)
    ended = cohort.planned_end_on - (cohort.starts_on - starts)
    one_year = add_months(ended, 12)
    participants = []
    for login, given, family, _pain, _phq9, _gad7, _psfs, working in FINISHED:
        patient = make_patient(login, given, family)
        number = FINISHED_NUMBERS[login]
        patient.set_national_id(number, "SE")
        patient.birth_date = date(int(number[:4]), int(number[4:6]), int(number[6:8]))
        patient.save()
        case = Case.objects.create(
            patient=patient,
            organisation=unit,
            opened_on=starts - timedelta(days=200),
            sick_from=starts - timedelta(days=200),
            responsible_physician=staff["lakare"],
            responsible_coordinator=staff["koordinator"],
        )
        _sick_leave(
            case,
            staff["lakare"],
            [(100, starts - timedelta(days=200), starts - timedelta(days=60)),
             (50, starts - timedelta(days=59), ended + timedelta(days=90 if working else 400))],
            # Long-standing pain; the two still on leave have depression as their main
            # diagnosis by now, so their few rows are a group of their own, left out of
            # the region's file instead of hiding the unit's curve (docs/disclosure.md).
            code=WIDESPREAD_PAIN if working else DEPRESSION,
        )  # fmt: skip
        participants.append(_include(team, case, cohort, staff, "Programmet passar dig."))
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.CLOSED if working else CaseStatus.ACTIVE,
            closed_reason=ClosedReason.RETURNED_TO_WORK if working else "",
            closed_on=ended + timedelta(days=91) if working else None,
        )
    cohort = _date_back(cohort, starts, participants)
    _answer_at(participants, 0, "program_start", _moment(starts))
    # The closing conference sets the end date, T1 and T2, and how long the team takes part
    # in each participant's care. Its meetings per participant are left out: the meeting
    # services plan ahead, not a year back.
    conference = services.conference_schedule(
        actor=staff["fysioterapeut"],
        cohort=cohort,
        stage="closing",
        starts_at=_moment(ended, 14),
        cases=[],
    )
    services.conference_hold(actor=staff["fysioterapeut"], conference=conference, ended_on=ended)
    _answer_at(participants, 1, "end_of_program", _moment(ended))
    _answer_at(participants, 2, "program_1_year", _moment(one_year))


def _answer_at(participants, point: int, occasion: str, when) -> None:
    """Each finished participant's answers at T0, T1 or T2 (`point` 0, 1 or 2 of FINISHED)."""
    for referral, (_l, _g, _f, *scores, _w) in zip(participants, FINISHED, strict=True):
        values = [score[point] for score in scores]
        _answer(referral.case, occasion, dict(zip(CODES, values, strict=True)), when)


def _running_cohort(team, version, staff, today, starts) -> None:
    # Three weeks in, from a Monday; the conferences fall on working days.
    cohort = _cohort_ahead(
        team, version, staff, "Pågående grupp", today, place="Vårdcentralen Solbacken, rum 4"
    )
    participants = [
        _include(
            team,
            Case.objects.get(
                patient__email__startswith=f"{login}@", organisation=team.organisation
            ),
            cohort,
            staff,
            WELCOME,
        )
        for login in ("johan", "ali")
    ]
    cohort = _date_back(cohort, starts, participants)
    # The team's part in their care lasts to the end of the dated-back program's follow-up.
    services.team_access_sync(team)
    for referral, goals in zip(participants, (
        [("Baka ett helt pass utan att behöva gå hem", "PSFS: stå vid degbordet", 3, 7)],
        [("Gå till fotbollsplanen med barnen", "PSFS: gå 2 km", 2, 6),
         ("Sova minst sex timmar de flesta nätter", "", None, None)],
    ), strict=True):  # fmt: skip
        _answer(
            referral.case,
            "program_start",
            {"pain_nrs": 7, "phq9": 11, "gad7": 9, "psfs": 3},
            _moment(starts),
        )
        for text, measure, baseline, target in goals:
            services.goal_set(
                actor=staff["fysioterapeut"], referral=referral, text=text, measure=measure,
                baseline=None if baseline is None else Decimal(baseline),
                target=None if target is None else Decimal(target),
            )  # fmt: skip
    # The goals were set at the start, at the admission conference.
    Goal.objects.filter(referral__in=participants).update(created_at=_moment(starts, 14))
    # The sessions so far: both came, except Ali once.
    past = Attendance.objects.filter(
        referral__in=participants, session__starts_at__lt=timezone.now()
    )
    past.update(status=AttendanceStatus.ATTENDED)
    first_missed = past.filter(referral=participants[1]).order_by("session__starts_at").first()
    if first_missed is not None:
        Attendance.objects.filter(pk=first_missed.pk).update(status=AttendanceStatus.ABSENT)
    for stage, day in (("admission", starts), ("mid", _last_working_day(today))):
        conference = services.conference_schedule(
            actor=staff["fysioterapeut"],
            cohort=cohort,
            stage=stage,
            starts_at=_moment(day, 14),
            cases=[
                get_case_for(
                    staff["fysioterapeut"],
                    r.case_id,
                    category=Category.MEETINGS,
                    action=Action.CREATE,
                )
                for r in participants
            ],
        )
        mid = stage == "mid"
        for note in conference.notes.select_related("referral"):
            services.conference_note_save(
                actor=staff["fysioterapeut"],
                note=note,
                revision=note.revision,
                progress=MID_PROGRESS if mid else "Mål satta tillsammans.",
                goal_reviews={str(g.pk): "bättre" for g in note.referral.goals.all()}
                if mid
                else {},
            )
        services.conference_hold(actor=staff["fysioterapeut"], conference=conference)

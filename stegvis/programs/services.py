"""Writes on MMR teams and programs. Team-level records (members, programs, cohorts) are the
unit's own; everything about a patient (referral, assessment, attendance, goals, notes)
is reached through the audited door by the caller and recorded here."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stegvis.access.care import program_relationships_set
from stegvis.access.categories import CARE_ROLES, LOG_REVIEW_ROLES, Action, Category
from stegvis.access.helpers import record_allowed, record_decision
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.audit import audit
from stegvis.cases.models import Case
from stegvis.coordination.meetings.services import meeting_mark_held, meeting_schedule
from stegvis.core.crisis import patient_said, patient_wrote
from stegvis.core.errors import Incomplete, NotAllowed, StaleEdit
from stegvis.instruments.occasions import add_months, occasion_set
from stegvis.instruments.services import enabled_codes, occasion_schedule
from stegvis.notifications.models import NotificationKind
from stegvis.notifications.outbox import Notice, notify
from stegvis.programs import plan
from stegvis.programs.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    Conference,
    ConferenceNote,
    ConferenceStage,
    Goal,
    GoalStatus,
    Judgement,
    ManagerCommitment,
    Profession,
    Program,
    ProgramVersion,
    Referral,
    ReferralStatus,
    Session,
    SessionKind,
    Team,
    TeamMember,
)
from stegvis.programs.registry import registry
from stegvis.programs.selectors import own_session_times, own_sessions_note, sessions_held

CONFERENCE_KIND = "mmr_team_conference"


# Who may do what with a team (the unit's own records, not a patient's).
def _memberships(user: User, organisation_id, roles) -> list[Membership]:
    return [
        m
        for m in user.memberships_cached()
        if m.organisation_id == organisation_id and m.role in roles
    ]


def manages(user: User, organisation_id) -> bool:
    return bool(_memberships(user, organisation_id, LOG_REVIEW_ROLES))


def is_member(user: User, team: Team) -> bool:
    return team.members.filter(user=user, left_on__isnull=True).exists()


def leads_or_manages(user: User, team: Team) -> bool:
    return team.lead_id == user.pk or manages(user, team.organisation_id)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowed(message)


def _update_unless_stale(obj, revision: int, **changes) -> None:
    """Apply `changes` unless `obj` changed since `revision` was read: StaleEdit, and
    nothing is overwritten."""
    current = type(obj).objects.filter(pk=obj.pk, revision=revision)
    if not current.update(revision=revision + 1, **changes):
        raise StaleEdit
    obj.refresh_from_db()


def care_membership(user: User, organisation_id) -> Membership | None:
    """The care role through which a member of the team takes part in patients' care."""
    found = _memberships(user, organisation_id, CARE_ROLES)
    return found[0] if found else None


# Teams
@audit.atomic()
def team_create(
    *, actor: User, organisation: Organisation, name: str, lead: User, lead_profession: str
) -> Team:
    """A team at the unit, its lead its first member."""
    _require(manages(actor, organisation.pk), _("Only the unit's manager sets up a team."))
    _require(
        care_membership(lead, organisation.pk) is not None,
        _("The team lead must work in a care role at the unit."),
    )
    team = Team.objects.create(organisation=organisation, name=name.strip(), lead=lead)
    TeamMember.objects.create(team=team, user=lead, profession=lead_profession)
    return team


@audit.atomic()
def team_member_add(*, actor: User, team: Team, user: User, profession: str) -> TeamMember:
    _require(leads_or_manages(actor, team), _("Only the team lead or the unit's manager."))
    _require(
        care_membership(user, team.organisation_id) is not None,
        _("A team member must work in a care role at the unit."),
    )
    _require(not is_member(user, team), _("%(name)s is already in the team.") % {"name": user})
    member = TeamMember.objects.create(team=team, user=user, profession=profession)
    team_access_sync(team)
    return member


@audit.atomic()
def team_member_leave(*, actor: User, member: TeamMember) -> None:
    _require(leads_or_manages(actor, member.team), _("Only the team lead or the unit's manager."))
    _require(member.user_id != member.team.lead_id, _("Name another team lead first."))
    TeamMember.objects.filter(pk=member.pk).update(left_on=timezone.localdate())
    team_access_sync(member.team)


@audit.atomic()
def commitment_record(
    *, actor: User, team: Team, hours_per_week: Decimal, review_on: date, note: str = ""
) -> ManagerCommitment:
    _require(manages(actor, team.organisation_id), _("Only the unit's manager commits time."))
    return ManagerCommitment.objects.create(
        team=team, manager=actor, hours_per_week=hours_per_week, review_on=review_on, note=note
    )


# The team's care relationship with its patients
def _access_until(referral: Referral) -> datetime:
    """How long the team takes part in the patient's care: while it assesses them, then to
    the end of the one-year questionnaires' window; ended by a "not included"."""
    reg = registry()
    if referral.status == ReferralStatus.ASSESSING:
        return referral.referred_at + timedelta(days=reg.assessment_days)
    if referral.status == ReferralStatus.INCLUDED:
        rule = occasion_set().rules[reg.occasions["t2"]]
        last_day = add_months(referral.cohort.end_on, rule.months_after) + timedelta(
            days=rule.window_days + 1
        )
        return timezone.make_aware(datetime.combine(last_day, datetime.min.time()))
    return timezone.now()


def _referral_access(referral: Referral) -> None:
    team = referral.team
    members = list(team.members.filter(left_on__isnull=True).select_related("user"))
    memberships = [care_membership(member.user, team.organisation_id) for member in members]
    program_relationships_set(
        patient=referral.patient,
        memberships=[m for m in memberships if m is not None],
        reference=f"referral:{referral.pk}",
        reason_text=team.name,
        until=_access_until(referral),
        professions={member.user_id: member.profession for member in members},
    )


def team_access_sync(team: Team) -> None:
    """Bring the team's care relationships with its patients in step with its members and
    its cohorts' dates."""
    open_ = team.referrals.filter(status__in=[ReferralStatus.ASSESSING, ReferralStatus.INCLUDED])
    for referral in open_.select_related("patient", "cohort", "team"):
        _referral_access(referral)


# Programs and cohorts
@audit.atomic()
def program_create(
    *, actor: User, team: Team, name: str, weeks: int, sessions_text: str
) -> Program:
    _require(is_member(actor, team), _("Only the team's members shape its programs."))
    sessions = plan.parse(sessions_text, weeks)
    program = Program.objects.create(team=team, name=name.strip())
    ProgramVersion.objects.create(
        program=program,
        number=1,
        weeks=weeks,
        sessions=plan.to_data(sessions),
        change_note=_("First version"),
        created_by=actor,
    )
    return program


@audit.atomic()
def program_revise(
    *, actor: User, program: Program, based_on: int, weeks: int, sessions_text: str, note: str
) -> ProgramVersion:
    """A new version; the earlier ones are kept with their cohorts. StaleEdit when someone
    made a version since `based_on` was read."""
    _require(is_member(actor, program.team), _("Only the team's members shape its programs."))
    # One reviser at a time: the second of two at once sees the first's version and is stale.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    latest = program.versions.order_by("-number").first()
    if latest.number != based_on:
        raise StaleEdit
    sessions = plan.parse(sessions_text, weeks)
    return ProgramVersion.objects.create(
        program=program,
        number=based_on + 1,
        weeks=weeks,
        sessions=plan.to_data(sessions),
        change_note=note.strip(),
        created_by=actor,
    )


@audit.atomic()
def cohort_create(
    *, actor: User, version: ProgramVersion, name: str, starts_on: date, place: str = ""
) -> Cohort:
    """A run of the program from `starts_on`, with its group sessions in the calendar."""
    team = version.program.team
    _require(is_member(actor, team), _("Only the team's members run its programs."))
    monday = starts_on - timedelta(days=starts_on.weekday())
    cohort = Cohort.objects.create(
        program_version=version,
        team=team,
        name=name.strip(),
        starts_on=starts_on,
        planned_end_on=monday + timedelta(weeks=version.weeks, days=-3),
        place=place,
        created_by=actor,
    )
    Session.objects.bulk_create(
        [
            _session(cohort, planned)
            for planned in plan.from_data(version.sessions)
            if planned.kind == SessionKind.GROUP
        ]
    )
    return cohort


def _session(cohort: Cohort, planned: plan.PlannedSession, referral=None) -> Session:
    return Session(
        cohort=cohort,
        week=planned.week,
        kind=planned.kind,
        profession=planned.profession,
        topic=planned.topic,
        starts_at=planned.starts_at(cohort.starts_on),
        duration_minutes=planned.minutes,
        place=cohort.place,
        referral=referral,
    )


# Referral, assessment and inclusion
@audit.atomic()
def referral_create(*, actor: User, case: Case, team: Team, question: str) -> Referral:
    """Refer a patient (whose case the caller reached through the door) to a team at the
    case's unit; the team takes part in their care while it assesses them."""
    _require(
        team.organisation_id == case.organisation_id,
        _("Refer to a team at the unit that holds the case."),
    )
    if Referral.objects.filter(
        team=team, case=case, status__in=[ReferralStatus.ASSESSING, ReferralStatus.INCLUDED]
    ).exists():
        raise NotAllowed(_("The patient is already referred to this team."))
    referral = Referral.objects.create(
        team=team, case=case, patient=case.patient, referred_by=actor, question=question.strip()
    )
    record_decision(
        actor, case.patient, category=Category.CLINICAL_NOTES, action=Action.CREATE, obj=referral
    )
    _referral_access(referral)
    return referral


def profession_in(user: User, team: Team) -> str | None:
    """The user's profession in the team, or None when they hold no seat in it."""
    return (
        team.members.filter(user=user, left_on__isnull=True)
        .values_list("profession", flat=True)
        .first()
    )


def _judge_and_criterion(criterion) -> dict:
    return {
        "profession": str(Profession(criterion.judged_by).label).lower(),
        "criterion": criterion.text,
    }


def assessment_missing(referral: Referral) -> list[str]:
    """What the team's assessment still lacks before the patient can be included, in words:
    a criterion not judged (or judged by another profession than its own), or too few
    professions among the judges (data/registry.toml, [assessment])."""
    reg = registry()
    judged = {j.criterion: j for j in referral.judgements.all()}
    missing = []
    for criterion in reg.criterion:
        judgement = judged.get(criterion.code)
        if criterion.judged_by and (
            judgement is None or judgement.profession != criterion.judged_by
        ):
            missing.append(
                _("Not judged yet by the team's %(profession)s: “%(criterion)s”.")
                % _judge_and_criterion(criterion)
            )
        elif judgement is None:
            missing.append(_("Not judged yet: “%(criterion)s”.") % {"criterion": criterion.text})
    professions = {j.profession for j in judged.values() if j.profession}
    if len(professions) < reg.assessment.professions:
        missing.append(
            _("Members of at least %(n)s professions judge the criteria; so far: %(held)s.")
            % {
                "n": reg.assessment.professions,
                "held": ", ".join(sorted(str(Profession(p).label) for p in professions))
                or _("none"),
            }
        )
    return missing


def _assessing(actor: User, referral: Referral) -> None:
    _require(is_member(actor, referral.team), _("Only the team's members assess."))
    _require(
        referral.status == ReferralStatus.ASSESSING, _("The assessment has already been decided.")
    )


@audit.atomic()
def judgement_record(
    *, actor: User, referral: Referral, criterion: str, met: bool, note: str = ""
) -> Judgement:
    """One member's judgement of one criterion; a criterion that is one profession's to
    judge (the medical one, the physician's) is refused to the others."""
    _assessing(actor, referral)
    found = registry().criteria.get(criterion)
    if found is None:
        raise NotAllowed(_("Unknown criterion."))
    profession = profession_in(actor, referral.team)
    if found.judged_by and profession != found.judged_by:
        raise NotAllowed(
            _("Only the team's %(profession)s judges “%(criterion)s”.")
            % _judge_and_criterion(found)
        )
    judgement, _created = Judgement.objects.update_or_create(
        referral=referral,
        criterion=criterion,
        defaults={
            "met": met,
            "note": note.strip(),
            "judged_by": actor,
            "profession": profession,
            "judged_at": timezone.now(),
        },
    )
    record_decision(
        actor,
        referral.patient,
        category=Category.CLINICAL_NOTES,
        action=Action.UPDATE,
        obj=referral,
    )
    return judgement


def _registry_codes() -> list[str]:
    enabled = enabled_codes()
    return [code for code in registry().instruments if code in enabled]


def _late_warning(cohort: Cohort, held: int, total: int) -> str:
    return ngettext(
        "%(cohort)s began on %(date)s: %(held)s of its %(total)s group sessions has been "
        "held. The patient joins from today: their own sessions are planned from today on, "
        "and the group sessions already held are shown to them as before they joined. "
        "Confirm to include them.",
        "%(cohort)s began on %(date)s: %(held)s of its %(total)s group sessions have been "
        "held. The patient joins from today: their own sessions are planned from today on, "
        "and the group sessions already held are shown to them as before they joined. "
        "Confirm to include them.",
        held,
    ) % {
        "cohort": cohort.name,
        "date": date_format(cohort.starts_on, "DATE_FORMAT"),
        "held": held,
        "total": total,
    }


@audit.atomic()
def referral_decide(
    *,
    actor: User,
    referral: Referral,
    revision: int,
    include: bool,
    reason_to_patient: str,
    cohort: Cohort | None = None,
    late_confirmed: bool = False,
) -> Referral:
    """Include the patient in a cohort, or not, with the reason in plain words. Inclusion
    needs the team's assessment complete (assessment_missing) and every criterion met; it
    gives the participant the cohort's sessions still ahead, their individual ones from
    today on, and the questionnaires before the program (T0) at once. Into a cohort that
    has begun, only once the team confirms it knows how many sessions have been held."""
    _assessing(actor, referral)
    reason = reason_to_patient.strip()
    if not reason:
        raise Incomplete(
            _("Tell the patient why, in plain words."),
            {"reason_to_patient": [_("Tell the patient why, in plain words.")]},
        )
    judged = dict(referral.judgements.values_list("criterion", "met"))
    if include:
        missing = assessment_missing(referral)
        if missing:
            raise Incomplete(" ".join([_("The team's assessment is not complete."), *missing]))
        if not all(judged.values()):
            raise NotAllowed(_("Every criterion must hold to include the patient."))
        _require(
            cohort is not None and cohort.team_id == referral.team_id and cohort.ended_on is None,
            _("Choose a running cohort of the team."),
        )
        held, total = sessions_held(cohort)
        if held and not late_confirmed:
            # The whole warning once, above the form; at the box, what to do.
            warning = " ".join(
                filter(
                    None,
                    [
                        _late_warning(cohort, held, total),
                        own_sessions_note(cohort, timezone.now()),
                    ],
                )
            )
            confirm = _("Tick this to include the patient from today on.")
            raise Incomplete(warning, {"late_confirmed": [confirm]})
    status = ReferralStatus.INCLUDED if include else ReferralStatus.NOT_INCLUDED
    _update_unless_stale(
        referral,
        revision,
        status=status,
        cohort=cohort if include else None,
        reason_to_patient=reason,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    if include:
        _join_cohort(actor, referral)
    record_decision(
        actor,
        referral.patient,
        category=Category.CLINICAL_NOTES,
        action=Action.UPDATE,
        obj=referral,
    )
    _referral_access(referral)
    notify(
        Notice(
            kind=NotificationKind.PROGRAM_NEWS,
            key=f"program_decision:{referral.pk}",
            link=reverse("my_program"),
            patient_id=referral.patient_id,
            object_type="referral",
            object_id=str(referral.pk),
        ),
        [(referral.patient, referral.case)],
    )
    return referral


def _own_sessions(cohort: Cohort, referral: Referral, joined: datetime) -> list[Session]:
    """The participant's individual sessions, at their times for someone joining now."""
    own = []
    for time in own_session_times(cohort, joined):
        if time.starts_at is None:
            continue
        session = _session(cohort, time.planned, referral)
        session.starts_at, session.week = time.starts_at, time.planned.week + time.weeks_later
        own.append(session)
    return own


def _join_cohort(actor: User, referral: Referral) -> None:
    cohort = referral.cohort
    joined = referral.decided_at
    Session.objects.bulk_create(_own_sessions(cohort, referral, joined))
    # Only what is still ahead: a group session held before they joined is none they missed.
    ahead = cohort.sessions.filter(starts_at__gt=joined)
    sessions = ahead.filter(referral__isnull=True) | ahead.filter(referral=referral)
    Attendance.objects.bulk_create(
        [Attendance(session=s, referral=referral) for s in sessions], ignore_conflicts=True
    )
    # The questionnaires before the program (T0), given at once: due the day of inclusion,
    # whether the cohort begins later or began before.
    occasion_schedule(
        actor=actor,
        case=referral.case,
        occasion=registry().occasions["t0"],
        due_on=timezone.localdate(joined),
        codes=_registry_codes(),
    )


@audit.atomic()
def referral_withdraw(*, actor: User, referral: Referral) -> Referral:
    """The participant stops taking part (or withdraws while being assessed): the team's
    part in their care ends now, and their coming sessions are marked as not attended."""
    _require(referral.patient_id == actor.pk, _("Only you can say this."))
    _require(
        referral.status in (ReferralStatus.ASSESSING, ReferralStatus.INCLUDED),
        _("You are no longer taking part."),
    )
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.WITHDRAWN, revision=referral.revision + 1
    )
    referral.refresh_from_db()
    referral.attendance.filter(
        status=AttendanceStatus.EXPECTED, session__starts_at__gt=timezone.now()
    ).update(status=AttendanceStatus.CANNOT_COME, updated_by=actor, updated_at=timezone.now())
    record_allowed(
        actor,
        actor.pk,
        category=Category.CLINICAL_NOTES,
        action=Action.UPDATE,
        basis="self",
        obj=referral,
    )
    _referral_access(referral)
    return referral


# Sessions and attendance
@audit.atomic()
def attendance_record(*, actor: User, session: Session, statuses: dict) -> int:
    """The team marks who came; `statuses` maps referral id to a status. Each participant's
    row is recorded on their log (the caller resolved each through the door)."""
    _require(is_member(actor, session.cohort.team), _("Only the team's members."))
    rows = {str(a.referral_id): a for a in session.attendance.select_related("referral__patient")}
    changed = 0
    for referral_id, status in statuses.items():
        row = rows.get(str(referral_id))
        if row is None or status not in AttendanceStatus.values or row.status == status:
            continue
        Attendance.objects.filter(pk=row.pk).update(
            status=status, updated_by=actor, updated_at=timezone.now()
        )
        record_decision(
            actor,
            row.referral.patient,
            category=Category.MEETINGS,
            action=Action.UPDATE,
            obj=row,
        )
        changed += 1
    return changed


@audit.atomic()
def session_change(
    *,
    actor: User,
    session: Session,
    revision: int,
    starts_at: datetime,
    duration_minutes: int,
    place: str,
    cancelled: bool,
) -> Session:
    """Move, shorten or cancel a session; each participant expected at it is told, and
    their calendar file carries the change (its SEQUENCE is the revision)."""
    _require(is_member(actor, session.cohort.team), _("Only the team's members."))
    _update_unless_stale(
        session,
        revision,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place.strip(),
        cancelled=cancelled,
    )
    rows = session.attendance.filter(referral__status=ReferralStatus.INCLUDED).select_related(
        "referral__patient", "referral__case"
    )
    notify(
        Notice(
            kind=NotificationKind.PROGRAM_NEWS,
            key=f"session_changed:{session.pk}:{session.revision}",
            link=reverse("my_program"),
            object_type="session",
            object_id=str(session.pk),
        ),
        [(row.referral.patient, row.referral.case) for row in rows],
    )
    return session


@audit.atomic()
def attendance_cannot_come(*, actor: User, attendance: Attendance, message: str = ""):
    """The participant says they cannot come (they may say why, or not); returns the crisis
    screen when what they wrote holds words of crisis (the team is told as urgently)."""
    _require(attendance.referral.patient_id == actor.pk, _("Only you can say this."))
    _require(attendance.session.starts_at > timezone.now(), _("The session has already begun."))
    Attendance.objects.filter(pk=attendance.pk).update(
        status=AttendanceStatus.CANNOT_COME,
        message=message.strip(),
        updated_by=actor,
        updated_at=timezone.now(),
    )
    record_allowed(
        actor,
        actor.pk,
        category=Category.MEETINGS,
        action=Action.UPDATE,
        basis="self",
        obj=attendance,
    )
    return patient_wrote(
        author=actor,
        patient_id=actor.pk,
        text=message,
        source_type=attendance._meta.model_name,
        source_id=attendance.pk,
    )


# Goals
@audit.atomic()
def goal_set(
    *,
    actor: User,
    referral: Referral,
    text: str,
    measure: str = "",
    baseline: Decimal | None = None,
    target: Decimal | None = None,
) -> Goal:
    """A goal the participant sets with the team, in their own words."""
    _require(is_member(actor, referral.team), _("Only the team's members."))
    _require(
        referral.status == ReferralStatus.INCLUDED,
        _("Goals are set once the patient takes part in a program."),
    )
    goal = Goal.objects.create(
        referral=referral,
        text=text.strip(),
        measure=measure.strip(),
        baseline=baseline,
        target=target,
        created_by=actor,
    )
    record_decision(actor, referral.patient, category=Category.PLAN, action=Action.CREATE, obj=goal)
    # The patient's own words, typed by the team: words of crisis alert the care team, and
    # the team member gets the lines to give the patient now.
    goal.crisis = patient_said(
        patient=referral.patient, text=goal.text, source_type="goal", source_id=goal.pk
    )
    return goal


@audit.atomic()
def goal_status_set(*, actor: User, goal: Goal, status: str) -> Goal:
    _require(is_member(actor, goal.referral.team), _("Only the team's members."))
    _require(status in GoalStatus.values, _("Unknown status."))
    Goal.objects.filter(pk=goal.pk).update(status=status)
    goal.status = status
    record_decision(
        actor, goal.referral.patient, category=Category.PLAN, action=Action.UPDATE, obj=goal
    )
    return goal


# Team conferences
@audit.atomic()
def conference_schedule(
    *, actor: User, cohort: Cohort, stage: str, starts_at: datetime, cases: list[Case]
) -> Conference:
    """A team conference: for each participant (`cases`, resolved by the caller through the
    door) a meeting of the kind "MMR team conference" with the team, and a note to fill."""
    team = cohort.team
    _require(is_member(actor, team), _("Only the team's members."))
    _require(stage in ConferenceStage.values, _("Unknown stage."))
    _require(
        not cohort.conferences.filter(stage=stage).exists(),
        _("This cohort already has that conference."),
    )
    conference = Conference.objects.create(
        cohort=cohort, stage=stage, starts_at=starts_at, created_by=actor
    )
    colleagues = [m.user for m in team.members.filter(left_on__isnull=True).select_related("user")]
    referrals = {
        r.case_id: r
        for r in cohort.participants.filter(status=ReferralStatus.INCLUDED).select_related("case")
    }
    for case in cases:
        referral = referrals.get(case.pk)
        if referral is None:
            continue
        meeting = meeting_schedule(
            actor=actor,
            case=case,
            kind=CONFERENCE_KIND,
            starts_at=starts_at,
            duration_minutes=30,
            place=cohort.place,
            participants=colleagues,
        )
        ConferenceNote.objects.create(conference=conference, referral=referral, meeting=meeting)
    return conference


@audit.atomic()
def conference_note_save(
    *,
    actor: User,
    note: ConferenceNote,
    revision: int,
    progress: str,
    goal_reviews: dict,
    workplace_contact: str = "",
    follow_up: str = "",
) -> ConferenceNote:
    _require(is_member(actor, note.conference.cohort.team), _("Only the team's members."))
    goal_ids = {str(pk) for pk in note.referral.goals.values_list("pk", flat=True)}
    reviews = {k: str(v)[:300] for k, v in goal_reviews.items() if k in goal_ids and v}
    _update_unless_stale(
        note,
        revision,
        progress=progress.strip(),
        goal_reviews=reviews,
        workplace_contact=workplace_contact.strip(),
        follow_up=follow_up.strip(),
        updated_by=actor,
        updated_at=timezone.now(),
    )
    record_decision(
        actor,
        note.referral.patient,
        category=Category.CLINICAL_NOTES,
        action=Action.UPDATE,
        obj=note,
    )
    return note


@audit.atomic()
def conference_hold(*, actor: User, conference: Conference, ended_on: date | None = None):
    """Mark a conference held (its meetings too). The closing one sets the program's last
    day, which gives the end-of-program questionnaires (T1) and, a year later, T2, and
    sets how long the team keeps taking part in each participant's care."""
    cohort = conference.cohort
    _require(is_member(actor, cohort.team), _("Only the team's members."))
    closing = conference.stage == ConferenceStage.CLOSING
    if closing and ended_on is None:
        raise Incomplete(
            _("Give the program's last day."), {"ended_on": [_("Give the program's last day.")]}
        )
    if closing and ended_on < cohort.starts_on:
        raise NotAllowed(_("The last day cannot come before the first."))
    Conference.objects.filter(pk=conference.pk).update(held_at=timezone.now())
    for note in conference.notes.select_related("meeting__case__patient", "referral"):
        meeting = note.meeting
        if meeting.held_at is None:
            record_decision(
                actor,
                meeting.case.patient,
                category=Category.MEETINGS,
                action=Action.UPDATE,
                obj=meeting,
            )
            meeting_mark_held(actor=actor, meeting=meeting, revision=meeting.revision)
    if closing:
        Cohort.objects.filter(pk=cohort.pk).update(ended_on=ended_on)
        cohort.ended_on = ended_on
        reg = registry()
        t2 = occasion_set().rules[reg.occasions["t2"]]
        codes = _registry_codes()
        for referral in cohort.participants.filter(status=ReferralStatus.INCLUDED).select_related(
            "case", "patient", "team", "cohort"
        ):
            occasion_schedule(
                actor=actor,
                case=referral.case,
                occasion=reg.occasions["t1"],
                due_on=ended_on,
                codes=codes,
            )
            occasion_schedule(
                actor=actor,
                case=referral.case,
                occasion=t2.code,
                due_on=add_months(ended_on, t2.months_after),
                codes=codes,
            )
            _referral_access(referral)
    conference.refresh_from_db()
    return conference

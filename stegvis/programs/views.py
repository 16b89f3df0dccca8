"""MMR pages: the staff's teams, programs, cohorts, assessment and conferences; the
participant's own program."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_record_for, get_self_for
from stegvis.access.rules import CARE_TEAM_ONLY
from stegvis.accounts.models import User
from stegvis.core import disclosure
from stegvis.core.crisis import crisis_page, crisis_words_told
from stegvis.core.csv_stream import csv_lines
from stegvis.core.errors import Incomplete, NotAllowed, StaleEdit
from stegvis.core.idempotency import once_per_submission
from stegvis.programs import forms, selectors, services
from stegvis.programs.calendar import program_calendar
from stegvis.programs.models import (
    Cohort,
    ConferenceStage,
    GoalStatus,
    ReferralStatus,
    Team,
)
from stegvis.programs.registry import registry
from stegvis.programs.rules import (
    COHORT,
    CONFERENCE_NOTE,
    OWN_ATTENDANCE,
    OWN_REFERRAL,
    PROGRAM,
    REFERRAL,
    SESSION,
    TEAM,
)
from stegvis.programs.selectors import teams_for, visible_participants

ERRORS = (NotAllowed, Incomplete)


def _rebase(form, field: str, value) -> None:
    """After a stale edit: the re-shown form keeps the user's text but is based on the
    newest version, so saving it again is a deliberate overwrite of what they have read."""
    form.data = form.data.copy()
    form.data[field] = str(value)


def _fail(form, error) -> None:
    form.add_error(None, str(error))
    for field, problems in getattr(error, "errors", {}).items():
        if field in form.fields:
            for problem in problems:
                form.add_error(field, problem)


@login_required
@require_http_methods(["GET", "POST"])
def programs(request: HttpRequest) -> HttpResponse:
    """The teams at the user's units: volume, competence mix and commitment; the manager
    sets a team up here."""
    teams = list(teams_for(request.user))
    managed = [
        m.organisation
        for m in request.user.memberships_cached()
        if services.manages(request.user, m.organisation_id)
    ]
    form = None
    if managed:
        form = forms.TeamForm(
            request.POST or None, units=managed, staff=selectors.care_staff(managed)
        )
        if request.method == "POST" and form.is_valid():
            organisation = next(u for u in managed if u.pk == form.cleaned_data["organisation"])
            try:
                team = services.team_create(
                    actor=request.user,
                    organisation=organisation,
                    name=form.cleaned_data["name"],
                    lead=User.objects.get(pk=form.cleaned_data["lead"]),
                    lead_profession=form.cleaned_data["lead_profession"],
                )
            except NotAllowed as error:
                _fail(form, error)
            else:
                messages.success(request, _("The team is set up."))
                return redirect("team_detail", team.pk)
    overviews = [selectors.overview(team) for team in teams]
    # The manager's view: each team's outcomes beside its volume and competence.
    for seen in overviews:
        seen.summary = (
            selectors.team_outcomes(request.user, seen.team)
            if services.manages(request.user, seen.team.organisation_id)
            else None
        )
    return render(request, "programs/programs.html", {"overviews": overviews, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, team_id) -> HttpResponse:
    team = get_record_for(request.user, TEAM, team_id)
    user = request.user
    may_lead = services.leads_or_manages(user, team)
    member_form = commitment_form = program_form = None
    if may_lead:
        member_form = forms.MemberForm(
            request.POST if "add_member" in request.POST else None,
            staff=selectors.care_staff_outside(team),
        )
    if services.manages(user, team.organisation_id):
        commitment_form = forms.CommitmentForm(request.POST if "commit" in request.POST else None)
    if services.is_member(user, team):
        program_form = forms.ProgramForm(request.POST if "new_program" in request.POST else None)
    if request.method == "POST":
        done = _team_post(request, team, member_form, commitment_form, program_form)
        if done is not None:
            return done
    referrals = visible_participants(
        user,
        team.referrals.filter(status=ReferralStatus.ASSESSING).select_related("patient"),
        object_type="mmr_team",
        category=Category.CLINICAL_NOTES,
    )
    return render(
        request,
        "programs/team.html",
        {
            "team": team,
            "overview": selectors.overview(team),
            "referrals": referrals,
            "member_form": member_form,
            "commitment_form": commitment_form,
            "program_form": program_form,
            "may_lead": may_lead,
        },
    )


def _team_post(request, team: Team, member_form, commitment_form, program_form):
    user = request.user
    try:
        if member_form is not None and member_form.is_bound and member_form.is_valid():
            services.team_member_add(
                actor=user,
                team=team,
                user=User.objects.get(pk=member_form.cleaned_data["user"]),
                profession=member_form.cleaned_data["profession"],
            )
            messages.success(request, _("Added to the team."))
            return redirect("team_detail", team.pk)
        if "leave" in request.POST and services.leads_or_manages(user, team):
            member = team.members.filter(pk=request.POST["leave"], left_on__isnull=True).first()
            if member is not None:
                services.team_member_leave(actor=user, member=member)
                messages.success(request, _("They have left the team."))
            return redirect("team_detail", team.pk)
        if commitment_form is not None and commitment_form.is_bound and commitment_form.is_valid():
            services.commitment_record(actor=user, team=team, **commitment_form.cleaned_data)
            messages.success(request, _("Your commitment is recorded."))
            return redirect("team_detail", team.pk)
        if program_form is not None and program_form.is_bound and program_form.is_valid():
            data = program_form.cleaned_data
            program = services.program_create(
                actor=user,
                team=team,
                name=data["name"],
                weeks=data["weeks"],
                sessions_text=data["sessions"],
            )
            return redirect("program_detail", program.pk)
    except NotAllowed as error:
        messages.error(request, str(error))
        return redirect("team_detail", team.pk)
    return None


@login_required
@require_safe
def team_outcomes(request: HttpRequest, team_id) -> HttpResponse:
    """The team's outcomes in the registry's shape: nothing from which a count of fewer
    than five people could be worked out."""
    team = get_record_for(request.user, TEAM, team_id)
    summary = selectors.team_outcomes(request.user, team)
    return render(
        request,
        "programs/outcomes.html",
        {"team": team, "summary": summary, "smallest_cell": disclosure.smallest()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def program_detail(request: HttpRequest, program_id) -> HttpResponse:
    program = get_record_for(request.user, PROGRAM, program_id)
    versions = list(program.versions.select_related("created_by"))
    latest = versions[0]
    member = services.is_member(request.user, program.team)
    revision_form = cohort_form = None
    if member:
        revision_form = forms.RevisionForm(
            request.POST if "revise" in request.POST else None,
            initial={
                "based_on": latest.number,
                "weeks": latest.weeks,
                "sessions": selectors.plan_text(latest),
            },
        )
        cohort_form = forms.CohortForm(
            request.POST if "new_cohort" in request.POST else None, versions=versions
        )
    if request.method == "POST" and member:
        if revision_form.is_bound and revision_form.is_valid():
            data = revision_form.cleaned_data
            try:
                services.program_revise(
                    actor=request.user,
                    program=program,
                    based_on=data["based_on"],
                    weeks=data["weeks"],
                    sessions_text=data["sessions"],
                    note=data["note"],
                )
            except StaleEdit:
                revision_form.add_error(
                    None,
                    _(
                        "A colleague saved a new version meanwhile. Your text is kept below; "
                        "compare it with the newest version and save again."
                    ),
                )
                _rebase(revision_form, "based_on", latest.number)
            else:
                messages.success(request, _("The new version is saved. Earlier ones are kept."))
                return redirect("program_detail", program.pk)
        if cohort_form.is_bound and cohort_form.is_valid():
            data = cohort_form.cleaned_data
            version = next(v for v in versions if v.pk == data["version"])
            cohort = services.cohort_create(
                actor=request.user,
                version=version,
                name=data["name"],
                starts_on=data["starts_on"],
                place=data["place"],
            )
            return redirect("cohort_detail", cohort.pk)
    return render(
        request,
        "programs/program.html",
        {
            "program": program,
            "versions": [(v, selectors.planned(v)) for v in versions],
            "revision_form": revision_form,
            "cohort_form": cohort_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_detail(request: HttpRequest, cohort_id) -> HttpResponse:
    cohort = get_record_for(request.user, COHORT, cohort_id)
    member = services.is_member(request.user, cohort.team)
    # A finished cohort calls no more conferences.
    conference_form = forms.ConferenceForm(
        request.POST if "schedule" in request.POST else None
    ) if member and cohort.ended_on is None else None  # fmt: skip
    hold_form = forms.HoldForm(request.POST if "hold" in request.POST else None)
    included = list(
        cohort.participants.filter(status=ReferralStatus.INCLUDED).select_related("patient")
    )
    participants = visible_participants(request.user, included, object_type="mmr_cohort")
    if request.method == "POST" and member:
        done = _cohort_post(request, cohort, conference_form, hold_form, participants)
        if done is not None:
            return done
    return render(
        request,
        "programs/cohort.html",
        {
            "cohort": cohort,
            "participants": participants,
            # Included, but no longer in the team member's care (the follow-up has ended):
            # a count, never who. Others are told no count: a few patients in a pain program
            # is itself a small number about the unit's patients.
            "not_named": len(included) - len(participants) if member else None,
            "sessions": cohort.sessions.filter(referral__isnull=True),
            "conferences": selectors.conferences(cohort, participants),
            "conference_form": conference_form,
            "hold_form": hold_form,
            "member": member,
        },
    )


def _cohort_post(request, cohort: Cohort, conference_form, hold_form, participants):
    try:
        if conference_form is not None and conference_form.is_bound and conference_form.is_valid():
            cases = [
                get_case_for(
                    request.user, r.case_id, category=Category.MEETINGS, action=Action.CREATE
                )
                for r in participants
            ]
            services.conference_schedule(
                actor=request.user,
                cohort=cohort,
                cases=cases,
                **conference_form.cleaned_data,
            )
            messages.success(request, _("The conference is in everyone's calendar."))
            return redirect("cohort_detail", cohort.pk)
        if "hold" in request.POST and hold_form.is_valid():
            conference = cohort.conferences.filter(pk=request.POST["hold"]).first()
            if conference is not None:
                services.conference_hold(
                    actor=request.user,
                    conference=conference,
                    ended_on=hold_form.cleaned_data["ended_on"],
                )
                messages.success(request, _("The conference is marked held."))
                return redirect("cohort_detail", cohort.pk)
    except ERRORS as error:
        form = conference_form if "schedule" in request.POST else hold_form
        _fail(form, error)
    return None


@login_required
@require_safe
def cohort_registry_csv(request: HttpRequest, cohort_id) -> HttpResponse:
    """The cohort's registry rows: one per participant and time point, pseudonymised; each
    participant's questionnaires recorded as exported."""
    cohort = get_record_for(request.user, COHORT, cohort_id)
    rows, left_out = selectors.registry_export(request.user, cohort)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mmr-{cohort.starts_on}.csv"'
    if services.is_member(request.user, cohort.team):
        # Participants no longer in the team's care (the cohort page says why): a count,
        # for the team only, as on the page.
        response["X-Stegvis-Left-Out"] = str(left_out)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, session_id) -> HttpResponse:
    """A session: the team marks who came, and moves or cancels it."""
    session = get_record_for(request.user, SESSION, session_id)
    member = services.is_member(request.user, session.cohort.team)
    rows = list(session.attendance.select_related("referral__patient"))
    visible = {r.pk for r in visible_participants(
        request.user, [row.referral for row in rows], object_type="mmr_session"
    )}  # fmt: skip
    rows = [row for row in rows if row.referral_id in visible]
    changing = "change" in request.POST
    form = forms.AttendanceForm(None if changing else request.POST or None, rows=rows)
    change_form = forms.SessionForm(
        request.POST if changing else None,
        initial={
            "revision": session.revision,
            "starts_at": timezone.localtime(session.starts_at),
            "duration_minutes": session.duration_minutes,
            "place": session.place,
            "cancelled": session.cancelled,
        },
    )
    if request.method == "POST" and member:
        try:
            if changing and change_form.is_valid():
                services.session_change(
                    actor=request.user, session=session, **change_form.cleaned_data
                )
                messages.success(request, _("Changed. The participants are told."))
                return redirect("session_detail", session.pk)
            if not changing and form.is_valid():
                services.attendance_record(
                    actor=request.user, session=session, statuses=form.cleaned_data
                )
                messages.success(request, _("Attendance saved."))
                return redirect("cohort_detail", session.cohort_id)
        except StaleEdit:
            change_form.add_error(
                None, _("A colleague changed the session meanwhile. Check it and save again.")
            )
        except NotAllowed as error:
            _fail(change_form if changing else form, error)
    return render(
        request,
        "programs/session.html",
        {
            "session": session,
            "form": form,
            "change_form": change_form if member else None,
            "rows": rows,
            "member": member,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def referral_new(request: HttpRequest, case_id) -> HttpResponse:
    """Refer the patient of a case to an MMR team at the case's unit."""
    case = get_case_for(
        request.user,
        case_id,
        category=Category.CLINICAL_NOTES,
        action=Action.CREATE,
        roles=CARE_TEAM_ONLY,
    )
    teams = Team.objects.filter(organisation_id=case.organisation_id)
    form = forms.ReferralForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                actor=request.user,
                case=case,
                team=teams.get(pk=form.cleaned_data["team"]),
                question=form.cleaned_data["question"],
            )
        except NotAllowed as error:
            _fail(form, error)
        else:
            messages.success(request, _("Referred. The team takes part in the patient's care."))
            return redirect("referral_detail", referral.pk)
    return render(request, "programs/referral_new.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def referral_detail(request: HttpRequest, referral_id) -> HttpResponse:
    """The team's assessment, its decision, the participant's goals and conference notes."""
    is_write = request.method == "POST"
    referral = get_record_for(
        request.user, REFERRAL, referral_id, action=Action.UPDATE if is_write else Action.VIEW
    )
    member = services.is_member(request.user, referral.team)
    judged = {j.criterion: j for j in referral.judgements.select_related("judged_by")}
    assessing = referral.status == ReferralStatus.ASSESSING and member
    judgement_form = decision_form = goal_form = None
    if assessing:
        judgement_form = forms.JudgementForm(
            request.POST if "judge" in request.POST else None,
            judged=judged,
            profession=services.profession_in(request.user, referral.team),
        )
        cohorts = list(referral.team.cohorts.filter(ended_on__isnull=True))
        decision_form = forms.DecisionForm(
            request.POST if "decide" in request.POST else None,
            cohorts=cohorts,
            begun=selectors.begun(cohorts),
            initial={"revision": referral.revision},
        )
    if referral.status == ReferralStatus.INCLUDED and member:
        goal_form = forms.GoalForm(request.POST if "goal" in request.POST else None)
    if is_write and member:
        done = _referral_post(request, referral, judgement_form, decision_form, goal_form)
        if done is not None:
            return done
    return render(
        request,
        "programs/referral.html",
        {
            "referral": referral,
            "criteria": [(c, judged.get(c.code)) for c in registry().criterion],
            "missing": services.assessment_missing(referral) if assessing else [],
            "judgement_form": judgement_form,
            "decision_form": decision_form,
            "goal_form": goal_form,
            "goals": referral.goals.all(),
            "goal_statuses": GoalStatus.choices,
            "notes": referral.notes.select_related("conference").order_by("conference__starts_at"),
        },
    )


def _referral_post(request, referral, judgement_form, decision_form, goal_form):
    user = request.user
    try:
        if judgement_form is not None and judgement_form.is_bound and judgement_form.is_valid():
            for code, met, note in judgement_form.judgements():
                services.judgement_record(
                    actor=user, referral=referral, criterion=code, met=met, note=note
                )
            messages.success(request, _("Your judgement is saved."))
            return redirect("referral_detail", referral.pk)
        if decision_form is not None and decision_form.is_bound and decision_form.is_valid():
            data = decision_form.cleaned_data
            include = data["include"] == "yes"
            cohort = referral.team.cohorts.filter(pk=data["cohort"]).first() if include else None
            services.referral_decide(
                actor=user,
                referral=referral,
                revision=data["revision"],
                include=include,
                cohort=cohort,
                reason_to_patient=data["reason_to_patient"],
                late_confirmed=bool(data.get("late_confirmed")),
            )
            messages.success(request, _("Decided. The patient can read the reason."))
            return redirect("referral_detail", referral.pk)
        if goal_form is not None and goal_form.is_bound and goal_form.is_valid():
            data = goal_form.cleaned_data
            goal = services.goal_set(
                actor=user,
                referral=referral,
                text=data["text"],
                measure=data["measure"],
                baseline=data["baseline"],
                target=data["target"],
            )
            messages.success(request, _("The goal is in the patient's plan."))
            if goal.crisis is not None:
                messages.warning(request, crisis_words_told(goal.crisis))
            return redirect("referral_detail", referral.pk)
        if "goal_status" in request.POST:
            goal = referral.goals.filter(pk=_uuid(request.POST.get("goal_id"))).first()
            status_form = forms.GoalStatusForm({"status": request.POST["goal_status"]})
            if goal is not None and status_form.is_valid():
                services.goal_status_set(
                    actor=user, goal=goal, status=status_form.cleaned_data["status"]
                )
            return redirect("referral_detail", referral.pk)
    except StaleEdit:
        decision_form.add_error(
            None, _("A colleague decided meanwhile. Read the assessment again.")
        )
    except ERRORS as error:
        form = decision_form if "decide" in request.POST else (judgement_form or goal_form)
        _fail(form, error)
    return None


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def conference_note(request: HttpRequest, note_id) -> HttpResponse:
    """The team's structured note on one participant at a conference."""
    is_write = request.method == "POST"
    note = get_record_for(
        request.user, CONFERENCE_NOTE, note_id, action=Action.UPDATE if is_write else Action.VIEW
    )
    goals = list(note.referral.goals.all())
    member = services.is_member(request.user, note.conference.cohort.team)
    form = forms.NoteForm(
        request.POST or None,
        goals=goals,
        reviews=note.goal_reviews,
        initial={
            "revision": note.revision,
            "progress": note.progress,
            "workplace_contact": note.workplace_contact,
            "follow_up": note.follow_up,
        },
    )
    if is_write and member and form.is_valid():
        data = form.cleaned_data
        try:
            services.conference_note_save(
                actor=request.user,
                note=note,
                revision=data["revision"],
                progress=data["progress"],
                goal_reviews=form.goal_reviews(),
                workplace_contact=data["workplace_contact"],
                follow_up=data["follow_up"],
            )
        except StaleEdit:
            form.add_error(
                None,
                _(
                    "A colleague saved this note meanwhile. Your text is kept; read theirs and "
                    "save again."
                ),
            )
            note.refresh_from_db()
            _rebase(form, "revision", note.revision)
        else:
            messages.success(request, _("Saved."))
            return redirect("conference_note", note.pk)
    return render(
        request,
        "programs/note.html",
        {
            "note": note,
            "form": form,
            "member": member,
            "closing": note.conference.stage == ConferenceStage.CLOSING,
        },
    )


# The participant's own pages
@login_required
@require_safe
def my_program(request: HttpRequest) -> HttpResponse:
    patient = get_self_for(request.user, category=Category.MEETINGS, object_type="my_program")
    return render(
        request,
        "programs/my_program.html",
        {"referrals": selectors.own_programs(patient), "now": timezone.now()},
    )


@login_required
@require_safe
def my_program_calendar(request: HttpRequest) -> HttpResponse:
    patient = get_self_for(
        request.user, category=Category.MEETINGS, object_type="my_program_calendar"
    )
    response = HttpResponse(program_calendar(patient), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="stegvis-program.ics"'
    return response


@login_required
@require_POST
def my_program_leave(request: HttpRequest, referral_id) -> HttpResponse:
    """The participant stops taking part; the team's part in their care ends."""
    referral = get_record_for(request.user, OWN_REFERRAL, referral_id, action=Action.UPDATE)
    try:
        services.referral_withdraw(actor=request.user, referral=referral)
    except NotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You no longer take part. The team no longer sees your data."))
    return redirect("my_program")


@login_required
@require_POST
def attendance_cannot_come(request: HttpRequest, attendance_id) -> HttpResponse:
    attendance = get_record_for(request.user, OWN_ATTENDANCE, attendance_id, action=Action.UPDATE)
    form = forms.CannotComeForm(request.POST)
    if form.is_valid():
        try:
            crisis = services.attendance_cannot_come(
                actor=request.user, attendance=attendance, message=form.cleaned_data["message"]
            )
        except NotAllowed as error:
            messages.error(request, str(error))
        else:
            if crisis:
                return crisis_page(request)
            messages.success(request, _("Thank you for telling us. The team knows."))
    return redirect("my_program")

"""Every demo person's home fits their role (issue 33, point 10): it lists their own open
duties, each with its date and whose it is, and what waits for them, as the models hold
them; and every link it offers opens for that person."""

import html
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.deadlines import milestone_title, responsible_for, rule_set
from stegvis.cases.models import Case, CaseStatus
from stegvis.coaching.models import CoachFlag, FlagStatus
from stegvis.coordination.models import MeetingParticipant, MeetingStatus, Task, TaskStatus
from stegvis.network.models import Consent
from stegvis.participation.models import (
    Activity,
    ActivityParticipant,
    Proposal,
    Result,
)
from stegvis.programs.models import (
    Conference,
    ManagerCommitment,
    Referral,
    Session,
    TeamMember,
)

DOMAIN = "demo.stegvis.invalid"
# What a home looks ahead for (stegvis/portal/duties.py), said again here on purpose.
DAYS_AHEAD = 30
SESSION_DAYS_AHEAD = 14
LOADED = {}


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module and rolled back after its last test."""
    printed = io.StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(STEGVIS_DEMO=True),
        transaction.atomic(),
    ):
        call_command("demo", stdout=printed)
        LOADED["logins"] = [
            line.split()[0]
            for line in printed.getvalue().splitlines()
            if line.startswith("  ") and "@" in line
        ]
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db, settings):
    settings.STEGVIS_DEMO = True


def _person(email: str) -> User:
    return User.objects.get(email=email)


def _swedish_logins() -> list[str]:
    return [
        email
        for email in LOADED["logins"]
        if _person(email).preferred_language != "nb"
        and not _person(email).memberships.filter(organisation__kind="nav_office").exists()
    ]


# A month's whole name in Swedish or English (not those the short format writes whole too:
# "maj", "May"). Bokmål writes every date whole.
LONG_MONTH = (
    r"\d{1,2} (?:januari|january|februari|february|mars|march|april|juni|june|juli|july"
    r"|augusti|august|september|oktober|october|november|december) \d{4}"
)


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _day(day) -> str:
    return date_format(day, "DATE_FORMAT")


def _open_duties(person: User) -> list[tuple[str, str]]:
    """(what, when) of each of the person's open duties, read from the models."""
    today = timezone.localdate()
    ahead = today + timedelta(days=DAYS_AHEAD)
    roles = person.roles
    tasks = Task.objects.filter(assignee=person, status=TaskStatus.OPEN).filter(
        Q(due_on__lte=ahead) | Q(due_on__isnull=True)
    )
    found = [(task.title, _day(task.due_on) if task.due_on else "") for task in tasks]
    # A deadline someone made a task of is the task: listed once.
    tasked = {(task.case_id, task.milestone_code) for task in tasks if task.milestone_code}
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    language = translation.get_language()
    for seat in MeetingParticipant.objects.filter(
        user=person, meeting__starts_at__gte=start, meeting__starts_at__lt=start + timedelta(30)
    ).exclude(meeting__status__in=[MeetingStatus.CANCELLED, MeetingStatus.HELD]):
        meeting = seat.meeting
        found.append((meeting.definition.title.in_language(language), _when(meeting.starts_at)))
    parties = {
        Role.PHYSICIAN: {"physician"},
        Role.EMPLOYER_MANAGER: {"employer"},
        Role.INSURANCE_CASEWORKER: {"fk", "nav"},
    }
    # Named on the case, or let in by the patient's consent to their work capacity.
    consented = Consent.objects.filter(
        member__user=person, category="capacity", withdrawn_at__isnull=True
    ).exclude(ends_on__lt=today)
    named = Case.objects.filter(
        Q(responsible_coordinator=person)
        | Q(responsible_physician=person)
        | Q(patient__in=consented.values("patient")),
        status__in=[CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN],
        next_deadline_on__lte=ahead,
    ).exclude(next_deadline_code="")
    for case in named:
        rule = next(
            r for r in rule_set(case.jurisdiction).milestones if r.code == case.next_deadline_code
        )
        whose = responsible_for(rule, case.employment)
        own = case.responsible_coordinator_id == person.pk or any(
            whose in parties.get(role, ()) for role in roles
        )
        if own and (case.pk, case.next_deadline_code) not in tasked:
            title = milestone_title(case.jurisdiction, case.next_deadline_code, language)
            found.append((title, _day(case.next_deadline_on)))
    if Role.COACH in roles:
        for flag in CoachFlag.objects.filter(
            status__in=[FlagStatus.OPEN, FlagStatus.ESCALATED],
            urgent=False,
            patient__network__user=person,
            patient__network__status="active",
        ):
            found.append((flag.get_kind_display(), _when(flag.respond_by)))
    if Role.MMR_CLINICIAN in roles:
        for conference in Conference.objects.filter(
            cohort__team__members__user=person,
            held_at__isnull=True,
            starts_at__date__lte=ahead,
        ):
            found.append((conference.get_stage_display(), _when(conference.starts_at)))
        for seat in TeamMember.objects.filter(user=person, left_on__isnull=True):
            for session in Session.objects.filter(
                cohort__team=seat.team,
                profession=seat.profession,
                cancelled=False,
                starts_at__date__gte=today,
                starts_at__date__lte=today + timedelta(days=SESSION_DAYS_AHEAD),
            ):
                found.append((session.topic, _when(session.starts_at)))
    for commitment in ManagerCommitment.objects.filter(manager=person, review_on__lte=ahead):
        found.append((commitment.team.name, _day(commitment.review_on)))
    if Role.PARTICIPATION_FACILITATOR in roles:
        for activity in Activity.objects.filter(
            status="planned",
            starts_at__gte=timezone.now() - timedelta(days=1),
            starts_at__lt=timezone.now() + timedelta(days=DAYS_AHEAD),
        ):
            found.append((activity.title, _when(activity.starts_at)))
    for invitation in ActivityParticipant.objects.filter(
        representative__user=person,
        status__in=["invited", "accepted"],
        activity__status="planned",
        activity__starts_at__gte=timezone.now() - timedelta(days=1),
    ):
        found.append((invitation.activity.title, _when(invitation.activity.starts_at)))
    return found


def _waiting(person: User) -> list[str]:
    """What waits for the person without a date of its own, read from the models."""
    found = []
    if Role.PARTICIPATION_FACILITATOR in person.roles:
        found += [p.title for p in Proposal.objects.filter(state="not_answered")]
    found += [
        r.title
        for r in Result.objects.filter(responsible=person, status__in=["planned", "in_progress"])
    ]
    if Role.MMR_CLINICIAN in person.roles:
        found += [
            r.team.name
            for r in Referral.objects.filter(
                team__members__user=person, status="assessing"
            ).select_related("team")
        ]
    return found


def _section(page: str, heading_id: str) -> str:
    start = page.find(f'id="{heading_id}"')
    if start < 0:
        return ""
    return page[start : page.find("</section>", start)]


def _links(page: str) -> set[str]:
    return {
        html.unescape(href)
        for href in re.findall(r'href="(/[^"]*)"', page)
        if not href.startswith("/static/")
    }


def test_the_demo_prints_every_swedish_role_so_each_home_is_tried(demo):
    roles = {role for email in _swedish_logins() for role in _person(email).roles}
    # An administrator works in the admin; a system never signs in (it has no home).
    assert roles >= set(Role) - {Role.ADMIN, Role.REGISTERED_SYSTEM}


def test_each_demo_persons_home_lists_their_own_duties_with_date_and_whose(client, demo):
    # The clock stands still while pages and models are compared, so no day turns between.
    with time_machine.travel(timezone.now(), tick=False):
        _compare_each_home(client)


def _compare_each_home(client):
    checked = clinicians_busy = 0
    for email in _swedish_logins():
        person = _person(email)
        client.force_login(person)
        answer = client.get("/")
        assert answer.status_code == 200, email
        with translation.override(answer["Content-Language"]):
            expected = _open_duties(person)
            waiting = _waiting(person)
        page = html.unescape(answer.content.decode())
        duties = _section(page, "duties-heading")
        assert duties.count('<li class="duty">') == min(len(expected), 10), (email, expected)
        items = duties.split('<li class="duty">')[1:]
        assert len(set(items)) == len(items), (email, "a duty listed twice")
        for what, when in expected:
            listed = [item for item in duties.split('<li class="duty">') if what in item]
            assert listed, (email, what)
            assert any(when in item for item in listed), (email, what, when)
        # Whose each duty is, next to its date.
        assert duties.count({"sv": "Ansvarig: ", "en": "Whose: "}[answer["Content-Language"]]) == (
            min(len(expected), 10)
        ), email
        # One way of writing a date in a table: the caseload's columns agree.
        caseload = page[page.find("<tbody>") : page.find("</tbody>")]
        long_months = re.findall(LONG_MONTH, caseload, re.I)
        assert not long_months, (email, long_months[:3])
        listed_waiting = _section(page, "waiting-heading")
        for text in waiting:
            assert text in listed_waiting, (email, text)
        if not waiting:
            assert not listed_waiting, email
        checked += bool(expected or waiting)
        if Role.PATIENT_REPRESENTATIVE in person.roles:
            assert expected, email  # the demo invites her to the coming reference group
        clinicians_busy += Role.MMR_CLINICIAN in person.roles and bool(expected)
    # Most of the demo's people have something to do: the test is not passing on empty homes.
    assert checked >= 8 and clinicians_busy


def test_no_link_on_a_demo_persons_home_is_refused_to_them(client, demo):
    for email in LOADED["logins"]:
        person = _person(email)
        client.force_login(person)
        page = client.get("/")
        assert page.status_code == 200, email
        for link in sorted(_links(page.content.decode())):
            status = client.get(link).status_code
            assert status not in (403, 404), (email, link, status)


def test_the_representative_is_spoken_to_as_a_representative_with_her_invitations(client, demo):
    rosa = _person(f"representant@{DOMAIN}")
    client.force_login(rosa)
    page = html.unescape(client.get("/").content.decode())
    assert "Ditt uppdrag som patientföreträdare" in page
    assert "Dina inbjudningar till aktiviteter" in page
    # Not as a patient, nor as a professional waiting for patients to share their plans.
    assert "din väg tillbaka" not in page and "När en patient delar" not in page
    assert "Be att få gå med i en patients nätverk" not in page
    invited = ActivityParticipant.objects.filter(representative__user=rosa, status="invited")
    for invitation in invited.filter(activity__starts_at__gte=timezone.now()):
        assert f"Svara på inbjudan: {invitation.activity.title}" in page


def test_ask_to_join_is_offered_only_to_roles_that_work_with_one_patient(client, demo):
    for email in LOADED["logins"]:
        person = _person(email)
        client.force_login(person)
        page = html.unescape(client.get("/").content.decode())
        offered = "/network/join/" in page
        # Nav's advisers come in when the patient brings them, never by asking.
        one_patient = any(
            m.role
            not in {
                Role.PATIENT,
                Role.PATIENT_REPRESENTATIVE,
                Role.UNIT_MANAGER,
                Role.REGION_ANALYST,
                Role.PARTICIPATION_FACILITATOR,
                Role.ADMIN,
            }
            and m.organisation.kind != "nav_office"
            for m in person.memberships.select_related("organisation")
        )
        assert offered == one_patient, email
        asked = client.get("/network/join/")
        assert asked.status_code == (200 if one_patient else 404), email
    thomas = _person(f"nav.veileder@{DOMAIN}")
    client.force_login(thomas)
    assert client.get("/network/join/").status_code == 404

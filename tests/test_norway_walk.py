"""Ola's sick leave in Norway, walked through the pages by the four people who live it: the
fastlege's sykmeldinger, the nearest manager's follow-up plan and dialogue meeting 1, Nav's
activity requirement and dialogue meeting 2. Every page each of them reads is in bokmål and
names only Norwegian law and agencies (issue 34)."""

import re
import uuid
from datetime import datetime, timedelta

import pytest
import time_machine

from stegvis.cases.models import CertificateStatus, MilestoneCompletion
from stegvis.coordination.models import Meeting
from stegvis.network.models import NetworkMember
from stegvis.notifications.models import Notification
from stegvis.plans.employer_points import employer_plan_rules
from tests.norway import build_norway, swedish_law

DAY_ONE = datetime(2026, 11, 2, 9, 0).astimezone()  # a Monday
TAG = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def on_day(day: int):
    """The clock at 09:00 on day `day` of Ola's sick leave (day 0 is the first)."""
    return time_machine.travel(DAY_ONE + timedelta(days=day), tick=False)


def iso(day: int) -> str:
    return (DAY_ONE.date() + timedelta(days=day)).isoformat()


class Walk:
    """The four people's browsers: each reads in bokmål, and each page is checked."""

    def __init__(self, client, norway):
        self.client, self.n = client, norway

    def as_(self, user):
        self.client.force_login(user)
        return self

    def get(self, url: str, **params) -> str:
        response = self.client.get(url, params, HTTP_ACCEPT_LANGUAGE="nb")
        assert response.status_code == 200, (url, response.status_code)
        text = response.text
        assert '<html lang="nb">' in text, url
        visible = TAG.sub("\n", text).splitlines()
        assert swedish_law(visible) == [], (url, swedish_law(visible))
        return text

    def post(self, url: str, data: dict, expect: int = 302):
        response = self.client.post(url, data, HTTP_ACCEPT_LANGUAGE="nb")
        assert response.status_code == expect, (url, response.status_code, response.text[:3000])
        return response

    def sykmelding(self, first: int, last: int, period: dict, answers: dict | None = None):
        """The fastlege writes and signs a sykmelding through the form."""
        case = self.n.case
        self.as_(self.n.fastlege).get(f"/cases/{case.pk}/certificates/new/")
        data = {
            "client_token": str(uuid.uuid4()),
            "diagnosis-TOTAL_FORMS": "3", "diagnosis-INITIAL_FORMS": "0",
            "diagnosis-0-system": "icpc2", "diagnosis-0-code": "L86",
            "diagnosis-0-text": "Ryggsyndrom med smerteutstråling",
            "diagnosis-1-system": "icpc2", "diagnosis-2-system": "icpc2",
            "period-TOTAL_FORMS": "3", "period-INITIAL_FORMS": "0",
            "period-0-starts_on": iso(first), "period-0-ends_on": iso(last),
            **{f"period-0-{name}": value for name, value in period.items()},
            "no_employer": "one", "no_employer_name": "Fjellvik Bakeri AS",
            "occupation_text": "Baker", "examined_on": iso(first),
            "employer_note": "Ola kan ikke løfte tungt de neste ukene.",
            **{f"answer_{qid.replace('.', '_')}": text for qid, text in (answers or {}).items()},
        }  # fmt: skip
        self.post(f"/cases/{case.pk}/certificates/new/", data)
        draft = case.certificates.get(status=CertificateStatus.DRAFT)
        self.get(f"/certificates/{draft.pk}/")
        self.post(f"/certificates/{draft.pk}/sign/", {})
        return draft


def revision_in(page: str) -> str:
    """The revision a page's form was read at, as a browser sends it back."""
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


def done(case, code: str) -> bool:
    return MilestoneCompletion.objects.filter(case=case, code=code).exists()


@pytest.fixture
def walk(client, db):
    with on_day(0):
        norway = build_norway(days_on_leave=0)
    return Walk(client, norway)


def test_olas_sick_leave_walked_by_the_four_norwegian_people(walk):
    n, case = walk.n, walk.n.case

    with on_day(0):
        # The fastlege's first sykmelding: two weeks with no activity possible.
        first = walk.sykmelding(0, 13, {
            "activity": "no_activity", "medical_reasons": "1",
            "workplace_reasons": "1", "workplace_reason_text": "Bare tunge løft på nattskiftet.",
        })  # fmt: skip
        # Ola lets his nearest manager and his Nav veileder in, each for Norway's purpose.
        walk.as_(n.ola).get("/")
        for user, organisation, role, law, grants in (
            (n.leder, n.bakeri, "employer_manager", "Arbeidsmiljøloven § 4-6",
             ["capacity:employer_dialogue", "plan:employer_dialogue",
              "meetings:employer_dialogue"]),
            (n.veileder, n.nav, "insurance_caseworker", "Folketrygdloven kapittel 8",
             ["sick_leave:nav_information", "capacity:nav_information",
              "meetings:nav_information"]),
        ):  # fmt: skip
            found = walk.get("/network/add/", organisation=organisation.pk, role=role)
            assert str(user) in found
            added = {"add": "1", "user": user.pk, "organisation": organisation.pk, "role": role}
            walk.post("/network/add/", added)
            member = NetworkMember.objects.get(patient=n.ola, user=user)
            page = walk.get(f"/network/members/{member.pk}/")
            assert law in page
            for grant in grants:
                walk.post(f"/network/members/{member.pk}/", {"grant": grant})
        assert "Veileder i Nav" in walk.get("/network/")
        # Nina reads the employer's copy: what Ola can do, never the diagnosis.
        copy = walk.as_(n.leder).get(f"/certificates/{first.pk}/employer-copy/")
        assert "Bare tunge løft på nattskiftet." in copy and "L86" not in copy

    with on_day(14):
        # The second: graded 50 % to week 7, with the questions Nav asks there.
        walk.sykmelding(14, 48, {"activity": "graded", "degree": "50"}, {
            "6.3.1": "Smerter i korsryggen med utstråling til venstre ben.",
            "6.3.2": "Fysioterapi to ganger i uken; kan kombineres med delvis arbeid.",
        })  # fmt: skip

    with on_day(26):
        # Nina's home: the follow-up plan is hers, due in two days.
        home = walk.as_(n.leder).get("/")
        assert "Oppfølgingsplan laget og sendt til sykmelder" in home
        plan_page = walk.get(f"/cases/{case.pk}/employer-plan/")
        plan_answers = {
            f"point_{point.code}": "Avtalt med Ola: formiddager, lette løft, faste pauser."
            for point in employer_plan_rules("NO").points
        }
        walk.post(f"/cases/{case.pk}/employer-plan/", {
            **plan_answers, "revision": revision_in(plan_page), "complete": "1"})  # fmt: skip
        assert done(case, "followup_plan")
        # The plan goes to the fastlege and to Nav.
        sent_to = set(
            Notification.objects.filter(kind="plan_sent").values_list("recipient", flat=True)
        )
        assert sent_to == {n.fastlege.pk, n.veileder.pk}

    with on_day(35):
        # Nina calls dialogue meeting 1 and invites the fastlege and Nav.
        form = walk.as_(n.leder).get(f"/cases/{case.pk}/meetings/new/")
        assert "Dialogmøte 1" in form and "Veileder i Nav" in form
        walk.post(f"/cases/{case.pk}/meetings/new/", {
            "kind": "dialogue_meeting_1", "day": iso(40), "start": "10:00",
            "duration_minutes": "60", "place": "Fjellvik Bakeri AS",
            "participants": [n.fastlege.pk, n.veileder.pk],
        })  # fmt: skip
        meeting = Meeting.objects.get(case=case, kind="dialogue_meeting_1")
        # The fastlege declines; Nina sees it.
        assert "Kommer du?" in walk.as_(n.fastlege).get(f"/meetings/{meeting.pk}/")
        walk.post(f"/meetings/{meeting.pk}/respond/", {
            "response": "declined", "note": "Har pasienter; send meg referatet."})  # fmt: skip
        page = walk.as_(n.leder).get(f"/meetings/{meeting.pk}/")
        assert "Har pasienter; send meg referatet." in page

    with on_day(40):
        page = walk.as_(n.leder).get(f"/meetings/{meeting.pk}/")
        walk.post(f"/meetings/{meeting.pk}/held/", {"revision": revision_in(page)})
        assert done(case, "dialogue_meeting_1")
        # Nav's veileder: the activity requirement at 8 weeks is Nav's to assess.
        home = walk.as_(n.veileder).get("/")
        assert "Nav vurderer aktivitetskravet (uke 8)" in home
        walk.get(f"/cases/{case.pk}/")

    with on_day(49):
        # Past week 8, at work half-time; the third sykmelding reaches week 17.
        walk.sykmelding(49, 160, {"activity": "graded", "degree": "50"}, {
            "6.4.1": "Bedring, men fortsatt smerter ved lange skift.",
            "6.4.2": "Fysioterapi ukentlig; delvis arbeid går godt.",
            "6.4.3": "Gradvis opptrapping og faste pauser.",
        })  # fmt: skip

    with on_day(57):
        walk.as_(n.veileder).post(
            f"/cases/{case.pk}/milestones/activity_requirement_assessment/done/", {}
        )
        assert done(case, "activity_requirement_assessment")
        # Ola sees his own duty, the activity requirement, in bokmål.
        assert "Aktivitetskravet" in walk.as_(n.ola).get(f"/cases/{case.pk}/")

    with on_day(150):
        # Nav calls dialogue meeting 2 three weeks ahead, with Nina and the fastlege.
        home = walk.as_(n.veileder).get("/")
        assert "Nav innkaller til dialogmøte 2" in home
        walk.post(f"/cases/{case.pk}/meetings/new/", {
            "kind": "dialogue_meeting_2", "day": iso(175), "start": "09:00",
            "duration_minutes": "60", "place": "Nav Fjellvik",
            "participants": [n.leder.pk, n.fastlege.pk],
        })  # fmt: skip
        meeting = Meeting.objects.get(case=case, kind="dialogue_meeting_2")
        assert meeting.organiser == n.veileder

    with on_day(175):
        page = walk.as_(n.veileder).get(f"/meetings/{meeting.pk}/")
        walk.post(f"/meetings/{meeting.pk}/held/", {"revision": revision_in(page)})
        assert done(case, "dialogue_meeting_2")
        for person in (n.ola, n.fastlege, n.leder, n.veileder):
            walk.as_(person).get(f"/cases/{case.pk}/")
            walk.get("/")

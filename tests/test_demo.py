"""The demo data keeps the promises the README makes about it."""

import io
from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command

from stegvis.accounts.models import User
from stegvis.coordination.models import Meeting

DOMAIN = "demo.stegvis.invalid"


@pytest.fixture
def demo(db, settings):
    settings.STEGVIS_DEMO = True
    call_command("demo", stdout=io.StringIO())


def signed_in(client, login: str):
    client.force_login(User.objects.get(email=f"{login}@{DOMAIN}"))
    return client


def test_the_coach_queue_shows_both_patients_the_readme_names(client, demo):
    queue = signed_in(client, "coach").get("/coach/queue/").text
    assert "Amira Khalil" in queue and "Peter Nilsson" in queue
    # Amira, worsening, is on the queue itself; Peter, improving, among the others.
    assert queue.index("Amira Khalil") < queue.index('id="others-heading"')
    assert queue.index('id="others-heading"') < queue.index("Peter Nilsson")


def test_a_sip_for_ali_can_invite_social_services_and_the_municipality(client, demo):
    ali = User.objects.get(email=f"ali@{DOMAIN}")
    case = ali.cases.get()
    form = signed_in(client, "koordinator").get(f"/cases/{case.pk}/meetings/new/").text
    assert "Sofia Lund" in form and "Jonas Berg" in form


@pytest.mark.parametrize("loaded_on", ["2026-11-28", "2026-11-29", "2026-12-02"])
def test_no_demo_meeting_falls_on_a_weekend(db, settings, loaded_on):
    settings.STEGVIS_DEMO = True
    # Loaded on a Saturday, a Sunday and a Wednesday: "next week" must be a working day.
    with time_machine.travel(datetime.fromisoformat(f"{loaded_on}T09:00+01:00"), tick=False):
        call_command("demo", stdout=io.StringIO())
    days = [meeting.starts_at.astimezone().weekday() for meeting in Meeting.objects.all()]
    assert days and all(day < 5 for day in days)


def test_the_mmr_team_has_a_running_cohort_and_outcomes_to_show(client, demo):
    manager = signed_in(client, "chef").get("/programs/").text
    assert "Smärtteamet Solbacken" in manager and "Saknas: Arbetsterapeut" in manager
    assert "Deltagare hittills" in manager  # the manager's view of outcomes
    from stegvis.programs.models import Team

    team = Team.objects.get()
    outcomes = signed_in(client, "chef").get(f"/programs/teams/{team.pk}/outcomes/").text
    assert "n = 8" in outcomes  # the finished cohort, answered at T0, T1 and T2
    program = signed_in(client, "johan").get("/my-program/").text
    assert "Smärtskolan Solbacken" in program and "Baka ett helt pass" in program
    cohort = team.cohorts.get(name="Pågående grupp")
    assert {c.stage for c in cohort.conferences.exclude(held_at=None)} == {"admission", "mid"}
    assert set(cohort.participants.values_list("patient__email", flat=True)) == {
        f"johan@{DOMAIN}",
        f"ali@{DOMAIN}",
    }


def test_the_manager_and_the_region_analyst_see_insights_over_the_demo(client, demo):
    assert "Tid till återgång i arbete" in signed_in(client, "chef").get("/insights/").text
    page = signed_in(client, "analytiker").get("/insights/?group_by=unit").text
    assert "Vårdcentralen Solbacken" in page and "<path d=" in page


def test_the_region_has_enough_cases_for_insights_that_are_not_all_hidden(client, demo):
    analyst = signed_in(client, "analytiker")
    body = analyst.get("/api/v1/insights/time-to-rtw?group_by=unit").json()
    shown = [group for group in body["groups"] if not group["suppressed"]]
    assert "Vårdcentralen Solbacken" in {group["key"] for group in shown}
    synthetic = [group for group in shown if group["key"] != "Vårdcentralen Solbacken"]
    assert len(synthetic) == 3 and all(group["median_days"] for group in synthetic)
    funnel = analyst.get("/insights/variation/").text
    assert funnel.count("<circle") >= 3  # each synthetic unit a point at its volume
    # The unit manager sees her own unit's curve, and only her unit's.
    manager = signed_in(client, "chef").get("/api/v1/insights/time-to-rtw?group_by=unit").json()
    assert [(group["key"], group["suppressed"]) for group in manager["groups"]] == [
        ("Vårdcentralen Solbacken", False)
    ]

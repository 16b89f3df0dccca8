"""The patient's plan, the capacity note and the employer's plan through the pages."""

import re

import pytest

from stegvis.access.categories import Category
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, MilestoneCompletion
from stegvis.network.purposes import Purpose
from stegvis.plans import selectors, services
from stegvis.plans.models import EmployerPlan, PlanProposal, PlanVersion, ProposalStatus
from tests.support import join, write_note


def save_goals(client, case, text, base_version):
    return client.post(
        f"/cases/{case.pk}/plan/goals/", {"text": text, "base_version": base_version}
    )


def test_the_patient_writes_their_plan_and_every_version_is_kept(client, personas, case):
    client.force_login(personas.patient)
    assert client.get(f"/cases/{case.pk}/plan/").status_code == 200
    assert save_goals(client, case, "Back at the bakery\nSleep better", 0).status_code == 302
    assert save_goals(client, case, "Back at the bakery by spring", 1).status_code == 302
    plan = selectors.plan_of(case)
    assert plan.version == 2
    assert plan.content["goals"] == ["Back at the bakery by spring"]
    assert list(PlanVersion.objects.values_list("number", flat=True)) == [2, 1]
    compared = client.get(f"/cases/{case.pk}/plan/versions/", {"a": 1, "b": 2}).content.decode()
    assert "<del>Sleep better</del>" in compared
    assert "<ins>Back at the bakery by spring</ins>" in compared


def test_a_retried_save_makes_no_new_version(client, personas, case):
    client.force_login(personas.patient)
    save_goals(client, case, "Walk every day", 0)
    # The same form sent again (a double click): its base is old, but nothing would change.
    response = save_goals(client, case, "Walk every day", 1)
    assert response.status_code == 302
    assert selectors.plan_of(case).version == 1


def test_a_stale_save_is_refused_and_both_versions_are_shown(client, personas, case):
    client.force_login(personas.patient)
    save_goals(client, case, "From my phone", 0)
    response = save_goals(client, case, "From my laptop", 0)
    assert response.status_code == 409
    page = response.content.decode()
    assert "From my phone" in page and "From my laptop" in page
    assert selectors.plan_of(case).content["goals"] == ["From my phone"]


def test_a_save_a_phone_sends_twice_is_made_once_with_one_audit_event(client, personas, case):
    """What the patient wrote offline may arrive twice (the first answer lost on the way)."""
    client.force_login(personas.patient)
    url = f"/cases/{case.pk}/plan/goals/"
    page = client.get(url).content.decode()
    assert "data-keep-offline" in page
    submission = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)
    form = {"text": "Walk every day", "base_version": 0, "submission_id": submission}
    writes = AccessEvent.objects.filter(patient=personas.patient, category="plan", action="update")
    before = writes.count()
    first, second = client.post(url, form), client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert writes.count() == before + 1
    assert selectors.plan_of(case).version == 1


def test_a_change_kept_offline_that_meets_a_newer_version_is_shown_as_a_conflict(
    client, personas, case
):
    client.force_login(personas.patient)
    save_goals(client, case, "From my laptop", 0)
    url = f"/cases/{case.pk}/plan/goals/"
    kept = {"text": "Written on the bus", "base_version": 0, "submission_id": "a-phone-id"}
    for _sent in range(2):  # sent, then sent again by "Compare": the conflict both times
        answer = client.post(url, kept)
        assert answer.status_code == 409 and answer["Stegvis-Conflict"] == "newer-version"
        assert "Written on the bus" in answer.text and "From my laptop" in answer.text
    assert selectors.plan_of(case).content["goals"] == ["From my laptop"]
    # A professional suggests a change: the page is theirs to send, never kept offline.
    client.force_login(personas.coordinator)
    join(personas, "coordinator", Purpose.COORDINATION, [Category.PLAN])
    page = client.get(url)
    assert page.status_code == 200 and "data-keep-offline" not in page.text


def test_all_sections_save_from_their_forms(client, personas, case):
    client.force_login(personas.patient)
    member = join(personas, "coordinator", Purpose.COORDINATION, [Category.PLAN])
    posts = {
        "barriers": {
            "medical": "Tired after noon",
            "work": "Early shifts",
            "social": "",
            "financial": "Lower income",
        },
        "actions": {
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "0",
            "actions-0-text": "Talk to Bo",
            "actions-0-owner": "patient",
            "actions-0-due_on": "2026-12-01",
            "actions-0-status": "open",
            "actions-1-text": "Book a meeting",
            "actions-1-owner": str(member.pk),
            "actions-1-status": "open",
        },
        "adjustments": {
            "measures": ["work_adaptation", "task_redistribution"],
            "other": "A quiet room",
        },
        "schedule": {
            "schedule-TOTAL_FORMS": "2",
            "schedule-INITIAL_FORMS": "0",
            "schedule-0-weeks": "2",
            "schedule-0-percent": "25",
            "schedule-1-weeks": "3",
            "schedule-1-hours": "20",
        },
        "support_contacts": {
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-0-name": "Anna",
            "contacts-0-role": "Sister",
            "contacts-0-how_to_reach": "070-123",
        },
        "hard_times": {
            "warning_signs": "I stop sleeping",
            "what_helps": "A walk",
            "whom_to_call": "Anna",
        },
    }
    for version, (section, data) in enumerate(posts.items()):
        response = client.post(
            f"/cases/{case.pk}/plan/{section}/", {**data, "base_version": version}
        )
        assert response.status_code == 302, (section, response.content.decode()[:2000])
    plan = selectors.plan_of(case).content
    assert [b["kind"] for b in plan["barriers"]] == ["medical", "work", "financial"]
    assert plan["actions"][1]["owner"] == str(member.pk) and plan["actions"][0]["id"]
    assert plan["schedule"] == [
        {"weeks": 2, "percent": 25, "hours": None, "note": ""},
        {"weeks": 3, "percent": None, "hours": 20.0, "note": ""},
    ]
    page = client.get(f"/cases/{case.pk}/plan/").content.decode()
    for text in ("Talk to Bo", "A quiet room", "I stop sleeping", "Anna"):
        assert text in page
    assert re.search(r"20 (hours a week|timmar i veckan)", page)


def test_a_schedule_step_needs_percent_or_hours_and_keeps_the_input(client, personas, case):
    client.force_login(personas.patient)
    response = client.post(
        f"/cases/{case.pk}/plan/schedule/",
        {
            "schedule-TOTAL_FORMS": "1",
            "schedule-INITIAL_FORMS": "0",
            "schedule-0-weeks": "2",
            "schedule-0-note": "Mornings only",
            "base_version": 0,
        },
    )
    assert response.status_code == 400
    assert "Mornings only" in response.content.decode()
    assert selectors.plan_of(case).version == 0


def test_a_member_with_plan_consent_proposes_and_the_patient_decides(client, personas, case):
    join(personas, "fk_caseworker", Purpose.FK_INFORMATION, [Category.PLAN])
    plan = selectors.plan_of(case)
    services.plan_save(
        actor=personas.patient,
        plan=plan,
        base_version=0,
        new_content={**plan.content, "goals": ["Mine"], "strengths": ["Calm"]},
    )
    client.force_login(personas.fk_caseworker)
    response = client.post(
        f"/cases/{case.pk}/plan/goals/",
        {"text": "Mine\nTry work training", "comment": "Worth a try", "base_version": 1},
    )
    assert response.status_code == 302
    proposal = PlanProposal.objects.get()
    # Meanwhile the patient changes another section; accepting keeps that change.
    plan.refresh_from_db()
    services.plan_save_section(
        actor=personas.patient,
        plan=plan,
        section="strengths",
        value=["Calm", "Curious"],
        base_version=1,
    )
    client.force_login(personas.patient)
    page = client.get(f"/cases/{case.pk}/plan/").content.decode()
    assert "Worth a try" in page
    client.post(f"/plan-proposals/{proposal.pk}/", {"answer": "accept"})
    plan.refresh_from_db()
    assert plan.content["goals"] == ["Mine", "Try work training"]
    assert plan.content["strengths"] == ["Calm", "Curious"]
    assert plan.version == 3
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED


def test_only_the_patient_decides_a_proposal(client, personas, case):
    join(personas, "fk_caseworker", Purpose.FK_INFORMATION, [Category.PLAN])
    plan = selectors.plan_of(case)
    proposal = services.proposal_create(
        actor=personas.fk_caseworker,
        role="insurance_caseworker",
        plan=plan,
        section="goals",
        value=["Theirs"],
    )
    client.force_login(personas.coordinator)
    assert client.post(f"/plan-proposals/{proposal.pk}/", {"answer": "accept"}).status_code == 403
    assert selectors.plan_of(case).content["goals"] == []


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("patient", 200),
        ("coordinator", 200),
        ("treating_physician", 200),
        ("fk_caseworker", 404),
        ("employer", 404),
        ("unrelated_physician", 404),
        ("outsider", 404),
    ],
)
def test_who_reads_the_plan_without_any_consent(client, personas, case, persona, status):
    client.force_login(personas.get(persona))
    assert client.get(f"/cases/{case.pk}/plan/").status_code == status


def test_comments_from_the_network_are_shown_to_the_patient(client, personas, case):
    client.force_login(personas.coordinator)
    client.post(f"/cases/{case.pk}/plan/comments/", {"text": "Good goals!"})
    client.force_login(personas.patient)
    assert "Good goals!" in client.get(f"/cases/{case.pk}/plan/").content.decode()


def test_patient_and_physician_write_the_note_together(client, personas, case):
    client.force_login(personas.patient)
    assert write_note(client, case).status_code == 302
    client.force_login(personas.treating_physician)
    assert (
        write_note(client, case, revision=1, limitations="Tires after two hours").status_code == 302
    )
    # A save based on the first revision is refused and keeps the writer's text.
    client.force_login(personas.patient)
    stale = write_note(client, case, revision=1, limitations="Mine")
    assert stale.status_code == 409
    assert "Tires after two hours" in stale.content.decode() and "Mine" in stale.content.decode()


def test_only_the_patient_shares_the_note_and_the_employer_reads_it_only_then(
    client, personas, case
):
    member = join(personas, "employer", Purpose.EMPLOYER_DIALOGUE, [Category.CAPACITY])
    client.force_login(personas.patient)
    write_note(client, case)
    client.force_login(personas.employer)
    assert client.get(f"/cases/{case.pk}/capacity-note/").status_code == 404
    assert (
        client.post(
            f"/cases/{case.pk}/capacity-note/", {"share": "1", "member": member.pk}
        ).status_code
        == 403
    )
    client.force_login(personas.treating_physician)
    assert (
        client.post(
            f"/cases/{case.pk}/capacity-note/", {"share": "1", "member": member.pk}
        ).status_code
        == 403
    )

    client.force_login(personas.patient)
    client.post(f"/cases/{case.pk}/capacity-note/", {"share": "1", "member": member.pk})
    client.force_login(personas.employer)
    page = client.get(f"/cases/{case.pk}/capacity-note/")
    assert page.status_code == 200 and "Fewer orders, later start" in page.content.decode()
    # The employer reads, never writes.
    assert write_note(client, case, revision=1).status_code == 403

    client.force_login(personas.patient)
    client.post(f"/cases/{case.pk}/capacity-note/", {"unshare": "1"})
    client.force_login(personas.employer)
    assert client.get(f"/cases/{case.pk}/capacity-note/").status_code == 404


def employer_answers(revision, **extra):
    points = [
        "part_time",
        "adaptation",
        "reassignment",
        "aids",
        "training",
        "occupational_health",
        "contact",
        "timeline",
        "follow_up",
    ]
    return {**{f"point_{p}": f"Answer on {p}" for p in points}, "revision": revision, **extra}


def test_the_employer_completes_their_plan_and_the_milestone_is_done(client, personas, case):
    join(personas, "employer", Purpose.EMPLOYER_DIALOGUE, [Category.CAPACITY])
    client.force_login(personas.employer)
    incomplete = client.post(
        f"/cases/{case.pk}/employer-plan/",
        {"point_contact": "Weekly call", "revision": 0, "complete": "1"},
    )
    assert incomplete.status_code == 400
    assert "Weekly call" in incomplete.text
    # Each point still to answer is marked, and nothing is saved half-way.
    assert incomplete.text.count("Besvara den här punkten för att slutföra planen.") == 8
    assert 'aria-invalid="true"' in incomplete.text
    assert not MilestoneCompletion.objects.filter(case=case).exists()
    assert not EmployerPlan.objects.filter(case=case).exists(), "nothing stored half-way"
    done = client.post(
        f"/cases/{case.pk}/employer-plan/",
        employer_answers(0, complete="1", follow_up_on="2026-12-15"),
    )
    assert done.status_code == 302
    assert MilestoneCompletion.objects.filter(case=case, code="employer_rtw_plan").exists()
    # The patient reads it but cannot write it.
    client.force_login(personas.patient)
    assert "Answer on aids" in client.get(f"/cases/{case.pk}/employer-plan/").content.decode()
    assert client.post(f"/cases/{case.pk}/employer-plan/", employer_answers(2)).status_code == 403


def test_norway_uses_the_followup_plan_milestone(client, personas, case):
    Case.objects.filter(pk=case.pk).update(jurisdiction="NO")
    join(personas, "employer", Purpose.EMPLOYER_DIALOGUE, [Category.CAPACITY])
    client.force_login(personas.employer)
    client.post(f"/cases/{case.pk}/employer-plan/", employer_answers(0, complete="1"))
    assert MilestoneCompletion.objects.filter(case=case, code="followup_plan").exists()


def test_each_pdf_download_is_audited_as_an_export(client, personas, case):
    client.force_login(personas.patient)
    for url in ("plan.pdf", "capacity-note.pdf", "employer-plan.pdf"):
        response = client.get(f"/cases/{case.pk}/{url}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert AccessEvent.objects.filter(patient=personas.patient, action="export").count() == 3

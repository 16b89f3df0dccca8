"""The patient's home shows one next step, the most pressing first."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stegvis.cases.models import Case
from stegvis.coaching.models import Reminder
from stegvis.instruments.models import Administration
from stegvis.network import services as network
from stegvis.plans import selectors as plan_selectors
from stegvis.plans import services as plans
from stegvis.plans.models import CapacityNote


@pytest.fixture
def home(client, personas):
    def get() -> str:
        client.force_login(personas.patient)
        return client.get(reverse("home")).content.decode()

    return get


def test_the_steps_come_in_order_of_who_is_waiting(home, personas):
    case = Case.objects.get(patient=personas.patient)
    # Nothing written yet: start the plan.
    assert reverse("plan_section", args=[case.pk, "goals"]) in home()

    plan = plan_selectors.plan_of(case)
    plans.plan_save(
        actor=personas.patient, plan=plan, new_content={"goals": ["Work"]}, base_version=0
    )
    # A manager in the network and a note not shared: the capacity note.
    membership = personas.employer.memberships.get()
    network.member_add(
        actor=personas.patient,
        user=personas.employer,
        organisation=membership.organisation,
        role=membership.role,
    )
    capacity_note = f'class="button" href="{reverse("capacity_note", args=[case.pk])}"'
    assert capacity_note in home()
    # Once the note is shared, it is no longer the next step.
    note, _created = CapacityNote.objects.get_or_create(case=case)
    CapacityNote.objects.filter(pk=note.pk).update(shared_at=timezone.now())
    assert capacity_note not in home()
    CapacityNote.objects.filter(pk=note.pk).update(shared_at=None)
    assert capacity_note in home()

    # A deadline within a week comes before that, named with its date and whose it is.
    Case.objects.filter(pk=case.pk).update(
        next_deadline_on=timezone.localdate() + timedelta(3),
        next_deadline_code="fk_sickness_benefit",
    )
    page = home()
    assert f'class="button" href="{reverse("case_detail", args=[case.pk])}"' in page
    assert "Sjukpenning från Försäkringskassan (dag 15). Arbetsgivare tar hand om det." in page
    # Someone else's duty that is already late is nothing the patient can do: no step.
    Case.objects.filter(pk=case.pk).update(next_deadline_on=timezone.localdate() - timedelta(9))
    assert "Arbetsgivare tar hand om det" not in home()
    # Their own late duty stays their next step.
    Case.objects.filter(pk=case.pk).update(
        employment="unemployed", next_deadline_code="fk_sick_report"
    )
    assert "Ditt att göra senast" in home()
    Case.objects.filter(pk=case.pk).update(next_deadline_on=timezone.localdate() + timedelta(3))

    # A suggestion to the plan comes before the deadline.
    plans.proposal_create(
        actor=personas.coordinator,
        role="rehab_coordinator",
        plan=plan_selectors.plan_of(case),
        section="goals",
        value=["Rest"],
    )
    assert f'class="button" href="{reverse("plan_detail", args=[case.pk])}"' in home()

    # Someone asking to join comes first.
    fk = personas.fk_caseworker.memberships.get()
    network.member_request_join(
        actor=personas.fk_caseworker, membership=fk, patient=personas.patient
    )
    assert f'class="button" href="{reverse("network")}"' in home()


def test_everything_is_one_tap_from_home(home, personas):
    case = Case.objects.get(patient=personas.patient)
    page = home()
    for url in (
        reverse("plan_detail", args=[case.pk]),
        reverse("case_detail", args=[case.pk]),
        reverse("capacity_note", args=[case.pk]),
        reverse("network"),
    ):
        assert f'href="{url}"' in page


def test_a_questionnaire_then_a_check_in_come_before_the_plan(home, personas):
    case = Case.objects.get(patient=personas.patient)
    start_the_plan = f'class="button" href="{reverse("plan_section", args=[case.pk, "goals"])}"'
    assert start_the_plan in home()
    now, today = timezone.now(), timezone.localdate()
    Reminder.objects.create(
        patient=personas.patient,
        occasion_on=today,
        due_at=now - timedelta(hours=1),
        expires_at=now + timedelta(hours=1),
    )
    assert f'class="button" href="{reverse("checkin")}"' in home()
    Administration.objects.create(
        patient=personas.patient,
        case=case,
        instrument_code="phq9",
        instrument_version="1",
        occasion="baseline",
        due_on=today,
        expires_on=today + timedelta(days=7),
    )
    assert f'class="button" href="{reverse("my_questionnaires")}"' in home()
    # Without an open case, what waits on the patient still shows.
    Case.objects.filter(pk=case.pk).update(
        closed_on=today, status="closed", closed_reason="returned_to_work"
    )
    assert f'class="button" href="{reverse("my_questionnaires")}"' in home()

"""Who in a care unit sees whom (Patientdatalagen 4 kap. 1 §): the care relationship.

Named on the case, in the patient's consents, or established by stating why for a limited
time (the colleague covering a visit), with the patient seeing the reason, the unit manager
told, and a place in every log review; emergency access the only way past the patient's
refusal. Working at the unit reaches no one; a coach needs the patient's consent."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from stegvis.access import care
from stegvis.access.categories import Category
from stegvis.access.models import CareReason, CareRefusal, CareRelationship
from stegvis.access.policy import cases_visible_to, decide, patients_visible_to
from stegvis.access.services import log_review_create
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.network.purposes import Purpose
from stegvis.notifications.models import Notification, NotificationKind
from tests.factories import UserFactory, member
from tests.route_table import LISTS, PATIENT_DATA, PERSONAS, TABLE
from tests.world import ROUTES, url_for

CLINICAL_GETS = [
    route
    for route, statuses in TABLE.items()
    if (route.startswith("GET ") or route.startswith("page "))
    and PATIENT_DATA[route]
    and route not in LISTS
    and ("<" in ROUTES[route] or "{" in ROUTES[route])  # names her, not the reader's own
    # The reader's own bulk export: each patient in it was decided when it was written.
    and route != "page fhir_export_file"
    and statuses[PERSONAS.index("treating_physician")] == 200
]


@pytest.fixture
def colleague(personas):
    """A physician at the patient's unit, with a second factor, named on nothing of hers."""
    return member(UserFactory(email="colleague@example.org"), personas.unit, Role.PHYSICIAN)


def _establish(client, personas, colleague, **changes):
    client.force_login(colleague)
    form = {
        "organisation": personas.unit.pk,
        "patient": personas.patient.email,
        "reason": CareReason.COVERING,
        "reason_text": "Jag har hennes telefontid i dag när Lena är ledig.",
        "hours": 24,
        **changes,
    }
    return client.post("/care/establish/", form)


def test_working_at_the_unit_reaches_no_patient(personas, colleague):
    assert not patients_visible_to(colleague).exists()
    for category in Category:
        decision = decide(colleague, personas.patient, category)
        assert (decision.allowed, decision.basis) == (False, "no_relation"), category


def test_the_colleague_is_refused_every_clinical_page_until_they_state_why(
    client, personas, world, colleague
):
    client.force_login(colleague)
    assert len(CLINICAL_GETS) > 30
    for route in CLINICAL_GETS:
        assert client.get(url_for(route, world)).status_code == 404, route
    refusals = AccessEvent.objects.filter(actor=colleague, outcome="denied")
    assert refusals.count() >= len(CLINICAL_GETS)
    answer = _establish(client, personas, colleague)
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{world['case_id']}/"
    for route in CLINICAL_GETS:
        assert client.get(url_for(route, world)).status_code == 200, route
    assert decide(colleague, personas.patient, Category.SICK_LEAVE).basis == "care:established"


def test_the_patient_sees_who_why_and_until_when(client, personas, colleague):
    _establish(client, personas, colleague)
    client.force_login(personas.patient)
    page = client.get("/my-data/access/").text
    assert "Jag har hennes telefontid i dag när Lena är ledig." in page
    assert str(colleague) in page
    event = AccessEvent.objects.get(object_type="care_relationship")
    assert (event.actor, event.patient, event.basis) == (
        colleague,
        personas.patient,
        "care:established",
    )


def test_the_unit_manager_is_told(client, personas, colleague):
    _establish(client, personas, colleague)
    notice = Notification.objects.get(recipient=personas.unit_manager)
    assert notice.kind == NotificationKind.CARE_RELATIONSHIP
    assert notice.patient_id == personas.patient.pk


def test_the_relationship_ends_by_itself(client, personas, colleague):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _establish(client, personas, colleague, hours=4)
        assert decide(colleague, personas.patient, Category.PLAN).allowed
    with time_machine.travel(start + timedelta(hours=4, minutes=1), tick=False):
        assert not decide(colleague, personas.patient, Category.PLAN).allowed
        renewed = _establish(client, personas, colleague, hours=4)
        assert renewed.status_code == 302
        assert decide(colleague, personas.patient, Category.PLAN).allowed
    assert CareRelationship.objects.filter(user=colleague).count() == 2


def test_a_reason_in_words_is_required_and_the_form_keeps_the_input(client, personas, colleague):
    answer = _establish(client, personas, colleague, reason_text="")
    assert answer.status_code == 200 and personas.patient.email in answer.text
    assert not CareRelationship.objects.exists()


def test_only_patients_of_the_unit_can_be_found(client, personas, colleague):
    answer = _establish(client, personas, colleague, patient=personas.other_patient.email)
    assert answer.status_code == 200 and not CareRelationship.objects.exists()
    # The whole name: a given name alone ("Anna") can be part of any word on the page.
    assert personas.other_patient.full_name not in answer.text


def test_the_patients_refusal_stops_all_but_emergency_access(client, personas, colleague):
    client.force_login(personas.patient)
    assert client.post("/my-data/access/refusal/", {"refuse": "on"}).status_code == 302
    refused = _establish(client, personas, colleague)
    assert refused.status_code == 200 and not CareRelationship.objects.exists()
    assert not decide(colleague, personas.patient, Category.IDENTITY).allowed
    # The named care team is not affected by the refusal.
    assert decide(personas.treating_physician, personas.patient, Category.SICK_LEAVE).allowed
    mail.outbox.clear()
    emergency = _establish(
        client, personas, colleague, reason=CareReason.EMERGENCY, hours=4,
        reason_text="Medvetslös i väntrummet; behöver läkemedelslistan.",
    )  # fmt: skip
    assert emergency.status_code == 302
    assert decide(colleague, personas.patient, Category.SICK_LEAVE).basis == "care:emergency"
    notice = Notification.objects.get(recipient=personas.unit_manager)
    assert notice.kind == NotificationKind.EMERGENCY_ACCESS


def test_emergency_access_is_short_and_only_with_the_emergency_reason(personas, colleague):
    membership = colleague.memberships_cached()[0]
    common = {"actor": colleague, "membership": membership, "patient": personas.patient,
              "reason_text": "x"}  # fmt: skip
    with pytest.raises(care.NotAllowed) as too_long:
        care.establish(**common, reason=CareReason.EMERGENCY, hours=72, emergency=True)
    # The refusal says the limit, not only "choose one of the offered" (issue 33).
    assert "högst 8 timmar" in str(too_long.value)
    with pytest.raises(care.NotAllowed):
        care.establish(**common, reason=CareReason.COVERING, hours=4, emergency=True)
    with pytest.raises(care.NotAllowed):
        care.establish(**common, reason=CareReason.EMERGENCY, hours=24, emergency=False)


def test_every_stated_relationship_is_in_the_log_review_sample(client, personas, colleague):
    _establish(client, personas, colleague)
    for _ in range(5):
        decide(personas.treating_physician, personas.patient, Category.PLAN)
    review = log_review_create(
        reviewer=personas.unit_manager, organisation=personas.unit, kind="random",
        start=date.today() - timedelta(days=1), end=date.today() + timedelta(days=1),
        sample_size=1, criteria={"denied_only": True},
    )  # fmt: skip
    assert review.events.filter(object_type="care_relationship", actor=colleague).exists()


def test_a_coach_needs_the_patients_consent(client, personas):
    coach = member(UserFactory(), personas.unit, Role.COACH)
    client.force_login(coach)
    assert client.get(f"/coach/patients/{personas.patient.pk}/").status_code == 404
    assert client.get("/care/establish/").status_code == 404, "a coach states no relationship"
    personas.with_consent(coach, [Category.CHECKINS, Category.IDENTITY], Purpose.COORDINATION)
    assert client.get(f"/coach/patients/{personas.patient.pk}/").status_code == 200


def test_staff_outside_care_roles_state_no_relationship(client, personas):
    for user in (personas.employer, personas.fk_caseworker, personas.unit_manager):
        client.force_login(user)
        assert client.get("/care/establish/").status_code == 404


def _refuse(client, patient):
    client.force_login(patient)
    assert client.post("/my-data/access/refusal/", {"refuse": "on"}).status_code == 302


def test_a_refusal_ends_every_stated_relationship_at_once(client, personas, world, colleague):
    assert _establish(client, personas, colleague).status_code == 302
    case_page = f"/cases/{world['case_id']}/"
    assert client.get(case_page).status_code == 200
    _refuse(client, personas.patient)
    client.force_login(colleague)
    assert client.get(case_page).status_code == 404
    assert decide(colleague, personas.patient, Category.SICK_LEAVE).basis == "no_relation"
    relationship = CareRelationship.objects.get(user=colleague)
    assert relationship.ended_at is not None
    # The patient's log says which relationship their refusal ended.
    ended = AccessEvent.objects.get(object_type="care_relationship", action="delete")
    assert (ended.actor, ended.patient, ended.object_id) == (
        personas.patient,
        personas.patient,
        str(relationship.pk),
    )
    client.force_login(personas.patient)
    own_log = client.get("/my-data/access/?own=1").text
    assert "Avslutad genom din spärr" in own_log and "Avslutades" in own_log
    # Ended, not paused: withdrawing the refusal opens nothing again.
    client.post("/my-data/access/refusal/", {})
    assert not decide(colleague, personas.patient, Category.SICK_LEAVE).allowed


def test_no_stated_relationship_opens_the_records_while_a_refusal_stands(personas, colleague):
    """Whatever is left running beside a refusal (a relationship written as it was made)
    the policy itself does not honour; emergency access it does."""
    now = timezone.now()
    stated = {"patient": personas.patient, "user": colleague, "organisation": personas.unit,
              "role": Role.PHYSICIAN, "reason_text": "x", "started_at": now,
              "ends_at": now + timedelta(hours=4)}  # fmt: skip
    CareRelationship.objects.create(**stated, reason=CareReason.COVERING)
    CareRefusal.objects.create(patient=personas.patient)
    assert not decide(colleague, personas.patient, Category.SICK_LEAVE).allowed
    assert not patients_visible_to(colleague).exists()
    assert not cases_visible_to(colleague).exists()
    CareRelationship.objects.create(**stated, reason=CareReason.EMERGENCY, emergency=True)
    assert decide(colleague, personas.patient, Category.SICK_LEAVE).basis == "care:emergency"
    assert patients_visible_to(colleague).get() == personas.patient


def test_the_rehabilitation_team_the_patient_was_referred_to_keeps_its_access(client, personas):
    """The refusal is of access outside the named care team; the team of the program the
    patient was referred to is part of it."""
    physiotherapist = member(UserFactory(), personas.unit, Role.MMR_CLINICIAN)
    care.program_relationships_set(
        patient=personas.patient,
        memberships=physiotherapist.memberships_cached(),
        reference="referral:1",
        reason_text="Smärtrehabilitering, Solbacken",
        until=timezone.now() + timedelta(days=90),
    )
    _refuse(client, personas.patient)
    assert CareRelationship.objects.get(user=physiotherapist).ended_at is None
    decision = decide(physiotherapist, personas.patient, Category.PLAN)
    assert (decision.allowed, decision.basis) == (True, "care:program")


def test_the_system_only_program_reason_cannot_be_stated(client, personas, colleague):
    answer = _establish(client, personas, colleague, reason=CareReason.PROGRAM)
    assert answer.status_code == 200 and not CareRelationship.objects.exists()
    assert 'value="program"' not in client.get("/care/establish/").text
    assert decide(colleague, personas.patient, Category.SICK_LEAVE).basis == "no_relation"
    membership = colleague.memberships_cached()[0]
    with pytest.raises(care.NotAllowed):
        care.establish(actor=colleague, membership=membership, patient=personas.patient,
                       reason=CareReason.PROGRAM, reason_text="x", hours=24)  # fmt: skip
    assert not CareRelationship.objects.exists()

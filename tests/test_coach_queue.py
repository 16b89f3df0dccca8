"""Safety flags and the human coach's work queue: who is told, who sees what, ranking,
handling and escalation, and flags raised by time passing."""

import html
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.coaching.flags.services import flag_raise, flags_scan
from stegvis.coaching.models import CoachFlag, CoachMessage, Reminder, ReminderStatus
from stegvis.coaching.services import coach_message_post
from stegvis.instruments.models import Administration
from stegvis.instruments.services import administrations_plan_case
from stegvis.notifications.models import Notification
from tests.factories import UserFactory, member, patient_at
from tests.html_checks import broken_links
from tests.support import checkin_form, checkin_on

# Response targets follow the unit's opening hours: tests that compare them use a moment
# when it is open.
OPEN_TUESDAY = datetime(2027, 3, 9, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.fixture
def responsible(personas):
    Case.objects.filter(patient=personas.patient).update(
        responsible_physician=personas.treating_physician,
        responsible_coordinator=personas.coordinator,
    )
    return personas


@pytest.fixture
def coach(personas):
    return member(UserFactory(email="coach@example.org"), personas.other_unit, Role.COACH)


def test_crisis_words_show_contacts_at_once_and_raise_an_urgent_flag(
    client, responsible, django_capture_on_commit_callbacks
):
    client.force_login(responsible.patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/checkin/", checkin_form(note="Jag har självmordstankar"), follow=True
        )
    assert 'href="tel:112"' in response.text and 'href="tel:1177"' in response.text
    assert 'href="tel:90101"' in response.text
    # The help stands alone: no thanks for checking in, no tips below it.
    assert "Tack för att du checkade in" not in response.text
    assert "Något som kan hjälpa" not in response.text
    flag = CoachFlag.objects.get(patient=responsible.patient, kind="safety")
    # Its response target follows the unit's opening hours (tests/test_urgent_response.py).
    assert flag.urgent and flag.respond_by > flag.raised_at
    told = set(Notification.objects.filter(kind="urgent_flag").values_list("recipient", flat=True))
    assert told == {responsible.treating_physician.pk, responsible.coordinator.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [responsible.treating_physician.email, responsible.coordinator.email]
    )
    for message in mail.outbox:
        assert (
            "självmord" not in message.body
            and f"/coach/patients/{flag.patient_id}/" in message.body
        )
    assert AccessEvent.objects.filter(
        patient=responsible.patient, object_type="coach_flag", basis="coach_flag"
    ).exists()
    client.force_login(responsible.coordinator)
    notices = client.get("/notifications/")
    assert "En brådskande flagga behöver svar" in notices.text
    assert f"/coach/patients/{flag.patient_id}/" in notices.text


def test_an_urgent_flag_tops_the_responsible_persons_home_with_what_was_written(
    client, responsible
):
    checkin_on(responsible.patient, 0, note="Jag orkar inte leva längre")
    flag = CoachFlag.objects.get(patient=responsible.patient, kind="safety")
    for person in (responsible.treating_physician, responsible.coordinator):
        client.force_login(person)
        home = client.get("/").text
        urgent = home.split('id="urgent-heading"')[1]
        assert home.index('id="urgent-heading"') < home.index('id="caseload-heading"')
        assert str(responsible.patient) in urgent
        assert "Jag orkar inte leva längre" in urgent
        assert flag.respond_by.astimezone().strftime("%H:%M") in urgent
    # One click handles it from there, and the person is back on their home.
    done = client.post(f"/coach/flags/{flag.pk}/", {"note": "Ringde, akut tid i dag", "next": "/"})
    assert done.status_code == 302 and done.url == "/"
    flag.refresh_from_db()
    assert flag.status == "handled"
    assert 'id="urgent-heading"' not in client.get("/").text
    # Someone outside the patient's care sees nothing of it.
    client.force_login(responsible.unrelated_physician)
    assert "Jag orkar inte leva" not in client.get("/").text


def test_a_messages_words_on_the_urgent_card_need_the_messages_consent(client, personas):
    outside = member(UserFactory(), personas.other_unit, Role.REHAB_COORDINATOR)
    personas.with_consent(outside, [Category.CHECKINS])
    coach_message_post(
        actor=personas.patient,
        patient=personas.patient,
        body="Jag vill inte leva längre",
        submission_id=uuid.uuid4(),
    )
    client.force_login(outside)
    home = client.get("/").text
    assert 'id="urgent-heading"' in home and str(personas.patient) in home
    assert "Jag vill inte leva" not in home
    client.force_login(personas.coordinator)
    assert "Jag vill inte leva längre" in client.get("/").text


# Every page a coach opens in their work: their home, the queue, the patient's page, and what
# the coach's consents reach besides (notifications, messages, tasks, meetings, the plan).
COACH_PAGES = ["/", "/coach/queue/", "/coach/patients/{patient}/", "/notifications/",
               "/messages/", "/tasks/", "/meetings/", "/cases/{case}/plan/",
               "/cases/{case}/capacity-note/", "/cases/{case}/"]  # fmt: skip


# PHQ-9's ninth question, in Swedish: on no page the coach reaches.
ITEM_9 = "Tankar på att det vore bättre om du vore död"


def test_a_coach_sees_a_questionnaires_safety_flag_and_what_to_do_never_the_answer(
    client, responsible, coach, case
):
    patient = responsible.patient
    # Everything a coach's ceiling holds; questionnaires it does not.
    ceiling = [Category.IDENTITY, Category.CAPACITY, Category.PLAN, Category.CHECKINS,
               Category.MESSAGES, Category.MEETINGS]  # fmt: skip
    responsible.with_consent(coach, ceiling)
    Case.objects.filter(pk=case.pk).update(sick_from=timezone.localdate())
    case.refresh_from_db()
    administrations_plan_case(case, timezone.localdate())
    phq9 = Administration.objects.get(instrument_code="phq9")
    client.force_login(patient)
    answers = {f"item_{n}": 2 for n in range(1, 10)}
    client.post(f"/questionnaires/{phq9.pk}/", answers)
    assert CoachFlag.objects.filter(patient=patient, kind="safety", urgent=True).exists()
    # The answer, and the question it answers (the catalogue may name PHQ-9 itself).
    the_answer = ("Svarade 2 (av 3) på fråga 9", "fråga 9", ITEM_9)
    client.force_login(coach)
    # Every page the coach can reach from these by following links, and the FHIR record.
    seeds = [url.format(patient=patient.pk, case=case.pk) for url in COACH_PAGES]
    seeds.append(f"/fhir/Patient/{patient.pk}/$everything")
    queue, seen = list(seeds), set(seeds)
    while queue and len(seen) < 300:
        url = queue.pop(0)
        page = client.get(url, follow=True)
        assert page.status_code == 200 or url not in seeds, url
        text = page.content.decode(errors="replace")
        assert not [words for words in the_answer if words in text], url
        for link in re.findall(r'href="(/[^"#]*)"', text):
            link = html.unescape(link)
            if link not in seen and not link.startswith(("/static/", "/accounts/logout")):
                seen.add(link)
                queue.append(link)
    assert len(seen) > len(seeds) + 10  # the walk went past its seeds
    home = client.get("/").text.split('id="urgent-heading"')[1]
    assert str(patient) in home and "Säkerhet: möjlig risk för självskada" in home
    assert "Bara patientens behandlare ser vad som utlöste flaggan" in home
    assert (
        AccessEvent.objects.filter(
            actor=coach, category=Category.QUESTIONNAIRES, outcome="allowed"
        ).count()
        == 0
    )
    # The physician responsible, whose ceiling holds questionnaires, reads the answer.
    client.force_login(responsible.treating_physician)
    home = client.get("/").text
    assert "Svarade 2 (av 3) på fråga 9 i PHQ-9" in home
    assert "Bara patientens behandlare" not in home
    assert AccessEvent.objects.filter(
        actor=responsible.treating_physician, category=Category.QUESTIONNAIRES,
        object_type="urgent_flags", object_id=str(patient.pk), outcome="allowed",
    ).exists()  # fmt: skip


def test_without_named_people_the_units_physicians_and_coordinators_are_told(personas):
    checkin_on(personas.patient, 0, note="I want to die")
    told = set(Notification.objects.filter(kind="urgent_flag").values_list("recipient", flat=True))
    assert {personas.treating_physician.pk, personas.coordinator.pk} <= told
    assert personas.unrelated_physician.pk not in told


def test_a_second_signal_renews_the_flag_and_tells_them_again(
    responsible, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkin_on(responsible.patient, 0.1, note="suicidal")
        checkin_on(responsible.patient, 0, note="suicidal")
    assert CoachFlag.objects.filter(kind="safety").count() == 1
    assert len(mail.outbox) == 4


def test_norwegian_patients_get_norwegian_crisis_lines(client, db):
    from tests.factories import OrganisationFactory

    unit = OrganisationFactory(jurisdiction="NO")
    patient = patient_at(unit)
    Case.objects.filter(patient=patient).update(jurisdiction="NO")
    client.force_login(patient)
    page = client.post("/checkin/", checkin_form(note="I want to end my life"), follow=True)
    assert 'href="tel:113"' in page.text and 'href="tel:116123"' in page.text
    assert 'href="tel:112"' not in page.text


def test_the_help_page_is_open_to_everyone(client, db):
    page = client.get("/help/")
    assert page.status_code == 200 and 'href="tel:90101"' in page.text


def _countries_in_order(html: str) -> list[str]:
    return re.findall(r'<h2 id="help-[A-Z]+"[^>]*>([^<]+)</h2>', html)


def test_the_help_page_shows_the_readers_country_first_and_names_each(client, personas):
    assert _countries_in_order(client.get("/help/").text) == ["I Sverige", "I Norge"]
    Case.objects.filter(patient=personas.patient).update(jurisdiction="NO")
    client.force_login(personas.patient)
    page = client.get("/help/").text
    assert _countries_in_order(page) == ["I Norge", "I Sverige"]
    assert page.index('href="tel:113"') < page.index('href="tel:112"')


def test_a_message_with_crisis_words_shows_the_contacts(client, responsible):
    client.force_login(responsible.patient)
    page = client.post("/my-coach/", {"submission_id": uuid.uuid4(), "body": "I want to die"})
    assert 'href="tel:112"' in page.text
    assert CoachFlag.objects.filter(kind="safety", source_type="coach_message").exists()


# --- the queue ---------------------------------------------------------------------------


def test_only_patients_who_share_check_ins_with_the_coach_are_on_the_queue(client, personas, coach):
    checkin_on(personas.patient, 0, note="I want to die")
    client.force_login(coach)
    assert personas.patient.full_name not in client.get("/coach/queue/").text
    personas.with_consent(coach, [Category.IDENTITY, Category.CHECKINS])
    page = client.get("/coach/queue/")
    assert personas.patient.full_name in page.text
    assert AccessEvent.objects.filter(
        actor=coach, object_type="coach_queue", basis="consent:coordination"
    ).exists()


def test_a_coach_at_the_treating_unit_still_needs_the_consent_for_the_queue(client, personas):
    unit_coach = member(UserFactory(), personas.unit, Role.COACH)
    flag_raise(patient_id=personas.patient.pk, kind="missed")
    client.force_login(unit_coach)
    assert personas.patient.full_name not in client.get("/coach/queue/").text


def test_physicians_see_safety_and_escalated_flags_only(client, responsible):
    flag_raise(patient_id=responsible.patient.pk, kind="missed")
    client.force_login(responsible.treating_physician)
    assert responsible.patient.full_name not in client.get("/coach/queue/").text
    flag_raise(patient_id=responsible.patient.pk, kind="safety", urgent=True)
    assert responsible.patient.full_name in client.get("/coach/queue/").text


@pytest.mark.parametrize("persona", ["employer", "fk_caseworker", "outsider", "patient"])
def test_the_queue_is_for_coaches_coordinators_and_physicians(client, personas, persona):
    client.force_login(personas.get(persona))
    assert client.get("/coach/queue/").status_code == 404


def test_the_queue_ranks_urgent_first_then_by_response_target(personas, coach):
    others = [patient_at(personas.unit) for _ in range(3)]
    for patient in [personas.patient, *others]:
        personas.with_consent(coach, [Category.IDENTITY, Category.CHECKINS], patient=patient)
    # A Tuesday morning, when the unit is open; the missed flag is from a week before.
    now = OPEN_TUESDAY
    flag_raise(patient_id=others[0].pk, kind="missed", now=now - timedelta(days=7))
    flag_raise(patient_id=others[1].pk, kind="threshold", now=now)
    flag_raise(patient_id=others[2].pk, kind="worsening", now=now)
    flag_raise(patient_id=personas.patient.pk, kind="safety", urgent=True, now=now)
    from stegvis.coaching.selectors import work_queue

    with time_machine.travel(now, tick=False):
        rows = work_queue(coach)
        assert [r.patient for r in rows] == [personas.patient, others[0], others[1], others[2]]
        assert rows[1].overdue and not rows[2].overdue


def test_the_queue_costs_the_same_number_of_queries_however_long(
    client, personas, coach, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            patient = patient_at(personas.unit)
            personas.with_consent(coach, [Category.IDENTITY, Category.CHECKINS], patient=patient)
            flag_raise(patient_id=patient.pk, kind="missed")
            flag_raise(patient_id=patient.pk, kind="worsening")

    client.force_login(coach)
    add(2)
    client.get("/coach/queue/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/coach/queue/")
    add(8)
    with django_assert_max_num_queries(len(few)):
        page = client.get("/coach/queue/")
    assert page.text.count("/coach/patients/") == 10


def test_a_coach_handles_or_escalates_a_flag(client, personas, responsible, coach):
    personas.with_consent(
        coach, [Category.IDENTITY, Category.CHECKINS], patient=responsible.patient
    )
    flag, _ = flag_raise(patient_id=responsible.patient.pk, kind="worsening")
    client.force_login(coach)
    url = f"/coach/flags/{flag.pk}/"
    client.post(url, {"note": "", "escalate_to": ""})
    flag.refresh_from_db()
    assert flag.status == "open"
    client.post(
        url, {"note": "Ringde, vill prata med koordinatorn", "escalate_to": "rehab_coordinator"}
    )
    flag.refresh_from_db()
    assert (flag.status, flag.escalated_to) == ("escalated", "rehab_coordinator")
    assert Notification.objects.filter(
        kind="flag_escalated", recipient=responsible.coordinator
    ).exists()
    assert not Notification.objects.filter(recipient=responsible.treating_physician).exists()
    client.force_login(responsible.coordinator)
    assert responsible.patient.full_name in client.get("/coach/queue/").text
    client.post(url, {"note": "Samtal bokat"})
    flag.refresh_from_db()
    assert flag.status == "handled" and flag.handled_by == responsible.coordinator


def test_an_unrelated_coach_cannot_touch_a_flag(client, personas, coach):
    flag, _ = flag_raise(patient_id=personas.patient.pk, kind="worsening")
    client.force_login(coach)
    assert client.post(f"/coach/flags/{flag.pk}/", {"note": "x"}).status_code == 404
    flag.refresh_from_db()
    assert flag.status == "open"


# --- flags raised by time ----------------------------------------------------------------


def test_three_missed_check_ins_in_a_row_raise_one_flag(personas):
    # When the unit is open, the target runs from now.
    now = OPEN_TUESDAY
    for days in (1, 2, 3):
        Reminder.objects.create(
            patient=personas.patient,
            occasion_on=(now - timedelta(days=days)).date(),
            due_at=now - timedelta(days=days, hours=1),
            expires_at=now - timedelta(days=days) + timedelta(hours=19),
            status=ReminderStatus.EXPIRED,
        )
    assert flags_scan(now)["missed"] == 1
    assert flags_scan(now)["missed"] == 0
    assert CoachFlag.objects.get(kind="missed").respond_by - now == timedelta(hours=72)


def test_an_unanswered_message_raises_a_flag_and_an_answer_closes_it(personas, coach):
    message = coach_message_post(
        actor=personas.patient,
        patient=personas.patient,
        body="Hur gör jag?",
        submission_id=uuid.uuid4(),
    )
    CoachMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert flags_scan()["unanswered_message"] == 1
    coach_message_post(
        actor=coach, patient=personas.patient, body="Så här!", submission_id=uuid.uuid4()
    )
    assert CoachFlag.objects.get(kind="unanswered_message").status == "handled"


def test_an_overdue_plan_action_raises_a_flag(personas):
    from stegvis.plans.selectors import plan_of
    from stegvis.plans.services import plan_save

    plan = plan_of(personas.patient.cases.get())
    content = dict(plan.content)
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    content["actions"] = [{"text": "Boka möte", "owner": "patient", "due_on": past}]
    plan_save(actor=personas.patient, plan=plan, new_content=content, base_version=plan.version)
    assert flags_scan()["action_overdue"] == 1


def test_listing_a_patient_reached_by_consent_without_a_case_is_audited(client, personas, coach):
    caseless = UserFactory()
    personas.with_consent(coach, [Category.IDENTITY, Category.CHECKINS], patient=caseless)
    flag_raise(patient_id=caseless.pk, kind="worsening")
    client.force_login(coach)
    assert caseless.full_name in client.get("/coach/queue/").text
    assert AccessEvent.objects.filter(
        actor=coach, patient=caseless, object_type="coach_queue", basis="consent:coordination"
    ).exists()


def test_a_clinician_without_a_work_queue_is_offered_no_link_to_one(client, personas):
    physiotherapist = member(UserFactory(), personas.unit, Role.MMR_CLINICIAN)
    personas.with_consent(physiotherapist, [Category.CHECKINS])
    checkin_on(personas.patient, 1)
    client.force_login(physiotherapist)
    page = client.get(f"/coach/patients/{personas.patient.pk}/")
    assert page.status_code == 200
    assert broken_links(client, page.text) == []


def test_handling_a_flag_someone_else_already_handled_says_so(client, personas, responsible, coach):
    personas.with_consent(
        coach, [Category.IDENTITY, Category.CHECKINS], patient=responsible.patient
    )
    flag, _ = flag_raise(patient_id=responsible.patient.pk, kind="worsening")
    url = f"/coach/flags/{flag.pk}/"
    client.force_login(coach)
    client.post(url, {"note": "Ringt, mår bättre"})
    other = Client()
    other.force_login(responsible.coordinator)
    late = other.post(url, {"note": "Ringer i morgon"}, follow=True)
    flag.refresh_from_db()
    assert (flag.handled_by, flag.note) == (coach, "Ringt, mår bättre")
    assert "Ringt, mår bättre" in late.text
    assert "markerad som hanterad" not in late.text and "marked as handled" not in late.text

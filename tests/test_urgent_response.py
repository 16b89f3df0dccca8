"""An urgent flag's response: its e-mail goes out from the worker, never inside the patient's
own request, and its target and the crisis screen follow the unit's opening hours."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from stegvis.accounts.models import Jurisdiction, OpeningHours
from stegvis.cases.models import Case
from stegvis.coaching.flags.services import flag_raise
from stegvis.coaching.guidance import crisis_contacts
from stegvis.coaching.models import CoachFlag
from tests.factories import OrganisationFactory, UserFactory, member, patient_at
from tests.support import checkin_form

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TUESDAY_MORNING = datetime(2027, 3, 9, 10, 0, tzinfo=STOCKHOLM)
FRIDAY_NIGHT = datetime(2027, 3, 12, 23, 31, tzinfo=STOCKHOLM)
MONDAY_OPENING = datetime(2027, 3, 15, 8, 0, tzinfo=STOCKHOLM)
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _crisis_check_in(client, patient, at, capture):
    with time_machine.travel(at, tick=False), capture(execute=True):
        client.force_login(patient)
        return client.post("/checkin/", checkin_form(note="Jag vill inte leva längre"), follow=True)


def _safety_flag(patient) -> CoachFlag:
    return CoachFlag.objects.get(patient=patient, kind="safety")


def test_the_urgent_email_waits_for_the_worker_not_the_patients_request(
    client, personas, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    response = _crisis_check_in(
        client, personas.patient, TUESDAY_MORNING, django_capture_on_commit_callbacks
    )
    assert 'href="tel:112"' in response.text
    # The request only queued the sending: no mail server was asked while she waited.
    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path__endswith="dispatch_urgent_task")
    assert queued.status == "READY"
    # What a worker does with it (tests/test_commands.py runs a real one; it closes the
    # connection, which a test writing audit events cannot survive): the task as stored.
    with time_machine.travel(TUESDAY_MORNING + timedelta(seconds=5), tick=False):
        stored = import_string(queued.task_path)
        stored.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [personas.treating_physician.email, personas.coordinator.email]
    )


def test_in_opening_hours_the_team_is_due_within_the_hour(
    client, personas, django_capture_on_commit_callbacks
):
    response = _crisis_check_in(
        client, personas.patient, TUESDAY_MORNING, django_capture_on_commit_callbacks
    )
    flag = _safety_flag(personas.patient)
    assert flag.respond_by == TUESDAY_MORNING + timedelta(hours=1)
    assert "som kontaktar dig snart. Senast" in response.text
    assert "stängd" not in response.text


def test_at_night_the_target_and_the_screen_follow_the_units_opening(
    client, personas, django_capture_on_commit_callbacks
):
    response = _crisis_check_in(
        client, personas.patient, FRIDAY_NIGHT, django_capture_on_commit_callbacks
    )
    # Not 00:31, when no one is there: an hour after the unit opens on Monday.
    assert _safety_flag(personas.patient).respond_by == MONDAY_OPENING + timedelta(hours=1)
    assert "Din vårdcentral är stängd nu" in response.text
    assert re.search(r"måndag 15 mars \d{4} 08:00", response.text)
    assert "Till dess finns 112 / 1177 där för dig nu" in response.text
    assert "kontaktar dig snart" not in response.text
    # The lines come first, before anything about the team.
    assert response.text.index('href="tel:112"') < response.text.index("stängd nu")


def test_a_norwegian_patient_at_night_is_pointed_to_113_and_the_legevakt(
    client, db, django_capture_on_commit_callbacks
):
    legekontor = OrganisationFactory(name="Bakklandet legekontor", jurisdiction=Jurisdiction.NORWAY)
    fastlege = member(UserFactory(), legekontor, "physician")
    ola = patient_at(legekontor, preferred_language="nb")
    Case.objects.filter(patient=ola).update(
        jurisdiction=Jurisdiction.NORWAY, responsible_physician=fastlege
    )
    client.cookies["django_language"] = "nb"
    response = _crisis_check_in(client, ola, FRIDAY_NIGHT, django_capture_on_commit_callbacks)
    assert "113 / 116 117" in response.text
    assert "1177" not in response.text
    assert _safety_flag(ola).respond_by == MONDAY_OPENING + timedelta(hours=1)


def test_the_safety_clock_stops_while_the_unit_is_closed(personas):
    closing_soon = datetime(2027, 3, 9, 16, 30, tzinfo=STOCKHOLM)
    flag, _created = flag_raise(
        patient_id=personas.patient.pk, kind="safety", urgent=True, now=closing_soon
    )
    # Half an hour before closing at 17:00, half an hour after opening the next day.
    assert flag.respond_by == datetime(2027, 3, 10, 8, 30, tzinfo=STOCKHOLM)


def test_other_targets_count_from_when_the_unit_next_opens(personas):
    flag, _created = flag_raise(patient_id=personas.patient.pk, kind="missed", now=FRIDAY_NIGHT)
    assert flag.respond_by == MONDAY_OPENING + timedelta(hours=72)


def test_christmas_eve_closes_a_swedish_unit_until_after_the_holidays(personas):
    christmas_eve = datetime(2026, 12, 24, 10, 0, tzinfo=STOCKHOLM)
    flag, _created = flag_raise(
        patient_id=personas.patient.pk, kind="safety", urgent=True, now=christmas_eve
    )
    assert flag.respond_by == datetime(2026, 12, 28, 9, 0, tzinfo=STOCKHOLM)


def test_a_units_own_hours_replace_the_countrys(personas):
    saturday = datetime(2027, 3, 13, 11, 0, tzinfo=STOCKHOLM)
    OpeningHours.objects.create(
        organisation=personas.unit, weekday=6, opens=time(10), closes=time(14)
    )
    flag, _created = flag_raise(
        patient_id=personas.patient.pk, kind="safety", urgent=True, now=saturday
    )
    assert flag.respond_by == saturday + timedelta(hours=1)
    # With hours of its own on Saturday only, the unit is closed on weekdays.
    tuesday_flag, _created = flag_raise(
        patient_id=personas.other_patient.pk, kind="safety", urgent=True, now=TUESDAY_MORNING
    )
    assert tuesday_flag.respond_by == TUESDAY_MORNING + timedelta(hours=1), "another unit"


def test_the_lines_named_when_a_unit_is_closed_are_each_countrys_own():
    assert [c.number for c in crisis_contacts("SE") if c.when_unit_closed] == ["112", "1177"]
    assert [c.number for c in crisis_contacts("NO") if c.when_unit_closed] == ["113", "116 117"]


def _week(**changes) -> dict:
    """The opening-hours form as the page fills it for the Swedish default, with changes."""
    form = {"shown": "default"}
    for weekday in range(1, 6):
        form |= {f"open_{weekday}": "on", f"opens_{weekday}": "08:00", f"closes_{weekday}": "17:00"}
    return form | changes


def test_a_unit_manager_sets_the_units_hours_and_the_safety_clock_follows(client, personas):
    url = f"/account/units/{personas.unit.pk}/opening-hours/"
    client.force_login(personas.unit_manager)
    assert f'href="{url}"' in client.get("/").text  # from her home
    page = client.get(url)
    assert page.status_code == 200 and 'name="opens_1" value="08:00"' in page.text
    # Open on Saturday morning too; closed on Friday.
    week = _week(open_5="", open_6="on", opens_6="10:00", closes_6="14:00")
    assert client.post(url, week).status_code == 302
    hours = OpeningHours.objects.filter(organisation=personas.unit)
    assert {(h.weekday, h.opens, h.closes) for h in hours} == {
        *((weekday, time(8), time(17)) for weekday in range(1, 5)),
        (6, time(10), time(14)),
    }
    saturday = datetime(2027, 3, 13, 11, 0, tzinfo=STOCKHOLM)
    flag, _created = flag_raise(
        patient_id=personas.patient.pk, kind="safety", urgent=True, now=saturday
    )
    assert flag.respond_by == saturday + timedelta(hours=1)


def test_bad_hours_are_refused_with_the_days_named_and_what_was_written_kept(client, personas):
    url = f"/account/units/{personas.unit.pk}/opening-hours/"
    client.force_login(personas.unit_manager)
    refused = client.post(url, _week(opens_2="18:00", closes_2="09:00", opens_3=""))
    assert refused.status_code == 400
    assert "Enheten måste stänga efter att den öppnar." in refused.text
    assert "Ange både när enheten öppnar och när den stänger." in refused.text
    assert 'name="opens_2" value="18:00"' in refused.text  # kept as written
    assert not OpeningHours.objects.filter(organisation=personas.unit).exists()


def test_hours_changed_meanwhile_are_not_overwritten(client, personas):
    url = f"/account/units/{personas.unit.pk}/opening-hours/"
    client.force_login(personas.unit_manager)
    OpeningHours.objects.create(  # a colleague saved first
        organisation=personas.unit, weekday=6, opens=time(10), closes=time(14)
    )
    stale = client.post(url, _week())
    assert stale.status_code == 400 and "Någon annan har ändrat öppettiderna" in stale.text
    assert OpeningHours.objects.filter(organisation=personas.unit).count() == 1
    # Sent again after the look, with what the page now knows, it is saved.
    resent = re.search(r'name="shown" value="([^"]*)"', stale.text).group(1)
    assert client.post(url, _week(shown=resent)).status_code == 302
    assert OpeningHours.objects.filter(organisation=personas.unit).count() == 5


def test_only_the_units_manager_sets_its_hours(client, personas):
    url = f"/account/units/{personas.other_unit.pk}/opening-hours/"
    client.force_login(personas.unit_manager)  # manager of another unit
    assert client.get(url).status_code == 404
    assert client.post(url, _week()).status_code == 404

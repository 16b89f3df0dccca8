"""Signing sends the certificate to its agency exactly once, over mutual TLS, and the answer
is kept and shown (docs/agency-messages.md). The agencies are local receivers on loopback
(tests/agency_receivers.py) that check what they get against the published schemas and
answer as the agencies do, refusals and a dropped connection included."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from lxml import etree

from stegvis.agency import validation
from stegvis.agency.models import AgencyDelivery, Answer
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Certificate
from stegvis.notifications.models import DeliveryStatus, Notification, OutboxMessage
from stegvis.notifications.outbox import MAX_ATTEMPTS, outbox_dispatch, outbox_release_stale
from tests import agency_receivers
from tests.norway import build_norway
from tests.support import complete_body, send


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return agency_receivers.make_pki(tmp_path_factory.mktemp("pki"))


def configure(settings, agency, receiver, pki, **changes):
    settings.STEGVIS_AGENCY_ENDPOINTS = {
        **settings.STEGVIS_AGENCY_ENDPOINTS,
        agency: {
            "url": receiver.url,
            "client_cert": str(pki.client_cert),
            "client_key": str(pki.client_key),
            "ca_bundle": str(pki.ca),
            "logical_address": "2021005521",
            "timeout_seconds": 5,
            **changes,
        },
    }


@pytest.fixture
def fk(settings, pki):
    receiver = agency_receivers.start("fk", pki)
    configure(settings, "fk", receiver, pki)
    yield receiver
    receiver.stop()


@pytest.fixture
def nav(settings, pki):
    receiver = agency_receivers.start("nav", pki)
    configure(settings, "nav", receiver, pki)
    yield receiver
    receiver.stop()


def sign_fk7804(personas, case) -> Certificate:
    unit = case.organisation
    unit.hsa_id, unit.workplace_code = "SE2321000016-A1B2", "1234567"
    unit.street_address, unit.postal_code, unit.city, unit.phone = "Väg 1", "123 45", "By", "010-1"
    unit.save()
    physician = personas.treating_physician
    physician.hsa_id = "SE2321000016-A1B3"
    physician.save()
    personas.patient.set_national_id("19880314-9825", "SE")
    personas.patient.save()
    client = Client()
    client.force_login(physician)
    draft = send(client, "post", f"/api/v1/cases/{case.pk}/certificates", complete_body()).json()
    signed = send(client, "post", f"/api/v1/certificates/{draft['id']}/sign")
    assert signed.status_code == 200, signed.content
    return Certificate.objects.get(pk=draft["id"])


def delivery_of(certificate) -> AgencyDelivery:
    return AgencyDelivery.objects.get(certificate=certificate)


def test_signing_sends_the_fk7804_once_and_shows_the_answer(fk, personas, case):
    certificate = sign_fk7804(personas, case)
    assert delivery_of(certificate).answer == Answer.WAITING
    assert outbox_dispatch() == 1
    delivery = delivery_of(certificate)
    assert (delivery.answer, delivery.result_code) == (Answer.DELIVERED, "OK")
    # What the receiver got passed the XSD and every Schematron rule, and names the certificate.
    assert fk.refusals == [] and list(fk.registered) == [str(certificate.pk)]
    assert outbox_dispatch() == 0 and fk.requests == 1
    # On the patient's log: the certificate left for Försäkringskassan.
    assert AccessEvent.objects.filter(
        patient=personas.patient, basis="sent_to_agency:fk", object_id=str(certificate.pk)
    ).exists()
    client = Client()
    client.force_login(personas.treating_physician)
    page = client.get(f"/certificates/{certificate.pk}/", HTTP_ACCEPT_LANGUAGE="sv").text
    assert "Skickat till Försäkringskassan" in page


def test_a_lost_answer_is_sent_again_and_already_registered_counts_as_delivered(fk, personas, case):
    fk.next = ["drop"]
    certificate = sign_fk7804(personas, case)
    assert outbox_dispatch() == 0  # the connection dropped after Försäkringskassan took it
    delivery = delivery_of(certificate)
    assert delivery.answer == Answer.WAITING and "Connection" in delivery.last_failure
    message = OutboxMessage.objects.get(pk=delivery.outbox_message_id)
    assert message.status == DeliveryStatus.PENDING and message.attempts == 1
    assert outbox_dispatch(now=timezone.now() + timedelta(minutes=3)) == 1
    delivery.refresh_from_db()
    assert (delivery.answer, delivery.result_code) == (Answer.DELIVERED_WITH_NOTE, "INFO")
    # Registered once at the agency, whatever the attempts.
    assert list(fk.registered) == [str(certificate.pk)] and fk.requests == 2


def test_a_refusal_is_kept_in_the_agencys_words_and_the_signer_is_told(fk, personas, case):
    fk.next = ["refuse"]
    certificate = sign_fk7804(personas, case)
    outbox_dispatch()
    delivery = delivery_of(certificate)
    assert delivery.answer == Answer.REFUSED
    assert delivery.result_code == "ERROR" and "Patienten är avliden." in delivery.result_text
    assert Notification.objects.filter(
        recipient=personas.treating_physician, kind="certificate_refused"
    ).exists()
    client = Client()
    client.force_login(personas.treating_physician)
    page = client.get(f"/certificates/{certificate.pk}/").text  # in her language, Swedish
    assert "Försäkringskassan avvisade intyget" in page
    assert "Patienten är avliden." in page and "Skriv en rättelse som åtgärdar" in page


def test_a_technical_error_is_tried_again_and_the_last_failure_marks_it_not_sent(
    fk, personas, case
):
    fk.next = ["technical"] * MAX_ATTEMPTS
    certificate = sign_fk7804(personas, case)
    now = timezone.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        outbox_dispatch(now=now)
        now += timedelta(minutes=2**attempt + 1)  # past the outbox's backoff
    delivery = delivery_of(certificate)
    assert delivery.attempts == MAX_ATTEMPTS and delivery.answer == Answer.UNDELIVERED
    assert OutboxMessage.objects.get(pk=delivery.outbox_message_id).status == DeliveryStatus.FAILED
    assert fk.registered == {}


def test_a_client_without_the_agreed_certificate_is_turned_away_by_the_agency(
    settings, pki, tmp_path, fk, personas, case
):
    stranger = agency_receivers.make_pki(tmp_path)
    configure(settings, "fk", fk, pki, client_cert=str(stranger.client_cert),
              client_key=str(stranger.client_key))  # fmt: skip
    certificate = sign_fk7804(personas, case)
    outbox_dispatch()
    delivery = delivery_of(certificate)
    assert delivery.answer == Answer.WAITING and delivery.last_failure
    assert fk.requests == 0


def test_an_interrupted_send_goes_back_to_be_sent(fk, personas, case):
    certificate = sign_fk7804(personas, case)
    message = OutboxMessage.objects.get(pk=delivery_of(certificate).outbox_message_id)
    # A worker was sending it and stopped before any answer.
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert outbox_release_stale() == 1
    assert outbox_dispatch() == 1
    assert delivery_of(certificate).answer == Answer.DELIVERED


def test_without_an_endpoint_nothing_is_queued(settings, personas, case):
    certificate = sign_fk7804(personas, case)
    assert not AgencyDelivery.objects.filter(certificate=certificate).exists()


def test_a_certificate_the_rules_refuse_is_not_sent_and_says_why(fk, personas, case):
    certificate = sign_fk7804(personas, case)
    case.organisation.__class__.objects.filter(pk=case.organisation_id).update(hsa_id="")
    outbox_dispatch()
    delivery = delivery_of(certificate)
    assert delivery.answer == Answer.UNDELIVERED and "HSA" in delivery.result_text
    assert fk.requests == 0


# -- Norway: the sykmelding to Nav, answered by an AppRec ------------------------------------

NOW = "2026-11-02 09:00 +0100"


def sign_sykmelding(norway) -> Certificate:
    norway.legesenter.her_id = "8143060"
    norway.legesenter.save()
    norway.fastlege.hpr_number = "9144889"
    norway.fastlege.save()
    norway.ola.set_national_id("12037810027", "NO")
    norway.ola.save()
    client = Client()
    client.force_login(norway.fastlege)
    today, until = timezone.localdate(), timezone.localdate() + timedelta(days=13)
    body = {
        "client_token": "7b1f5c1e-5a3e-4c4c-9d8e-2b8f7f1b0a01",
        "diagnosis-TOTAL_FORMS": "1", "diagnosis-INITIAL_FORMS": "0",
        "diagnosis-0-system": "icpc2", "diagnosis-0-code": "L03",
        "diagnosis-0-text": "Korsryggsmerter",
        "period-TOTAL_FORMS": "1", "period-INITIAL_FORMS": "0",
        "period-0-activity": "graded", "period-0-degree": "50",
        "period-0-starts_on": today.isoformat(), "period-0-ends_on": until.isoformat(),
        "no_employer": "one", "no_employer_name": "Fjellvik Bakeri AS", "occupation_text": "Baker",
        "examined_on": today.isoformat(), "employer_note": "Kan jobbe formiddager.",
    }  # fmt: skip
    written = client.post(f"/cases/{norway.case.pk}/certificates/new/", body)
    assert written.status_code == 302, written.content
    certificate = norway.case.certificates.get()
    signed = client.post(f"/certificates/{certificate.pk}/sign/")
    assert signed.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_signed
    return certificate


def test_signing_sends_the_sykmelding_to_nav_and_keeps_its_apprec(client, nav, db):
    with time_machine.travel(NOW, tick=False):
        norway = build_norway()
        certificate = sign_sykmelding(norway)
        assert outbox_dispatch() == 1
    delivery = delivery_of(certificate)
    assert (delivery.agency, delivery.answer, delivery.result_code) == (
        "nav",
        Answer.DELIVERED,
        "1",
    )
    assert nav.refusals == [] and len(nav.registered) == 1
    client.force_login(norway.fastlege)
    page = client.get(f"/certificates/{certificate.pk}/", HTTP_ACCEPT_LANGUAGE="nb").text
    assert "Sendt til Nav" in page and "Försäkringskassan" not in page


def test_navs_refusal_keeps_its_error_codes(client, nav, db):
    nav.next = ["refuse"]
    nav.refuse_text = "Pasienten er død"
    with time_machine.travel(NOW, tick=False):
        norway = build_norway()
        certificate = sign_sykmelding(norway)
        outbox_dispatch()
    delivery = delivery_of(certificate)
    assert (delivery.answer, delivery.result_code) == (Answer.REFUSED, "2")
    assert delivery.errors == [{"code": "47", "text": "Pasienten er død"}]
    client.force_login(norway.fastlege)
    page = client.get(f"/certificates/{certificate.pk}/", HTTP_ACCEPT_LANGUAGE="nb").text
    assert "Nav avviste sykmeldingen" in page and "Pasienten er død" in page


def test_a_dropped_connection_to_nav_is_sent_again_once(client, nav, db):
    nav.next = ["drop"]
    with time_machine.travel(NOW, tick=False):
        norway = build_norway()
        certificate = sign_sykmelding(norway)
        outbox_dispatch()
        assert delivery_of(certificate).answer == Answer.WAITING
        outbox_dispatch(now=timezone.now() + timedelta(minutes=3))
    # Nav refuses a sykmelding it has had as a duplicate: after a lost answer, it arrived.
    delivery = delivery_of(certificate)
    assert (delivery.answer, delivery.result_code) == (Answer.DELIVERED_WITH_NOTE, "2")
    assert delivery.result_text.startswith("Duplikat!")
    assert len(nav.registered) == 1 and nav.requests == 2


def test_a_certificate_goes_to_its_agency_while_the_mail_server_is_down(
    settings, fk, personas, case
):
    smtp = {"host": "127.0.0.1", "port": 9, "timeout": 2}  # nothing listens there
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": smtp}
    }
    certificate = sign_fk7804(personas, case)
    assert outbox_dispatch() == 1
    assert delivery_of(certificate).answer == Answer.DELIVERED


def test_an_answer_stored_before_the_worker_stopped_is_not_sent_again(fk, personas, case):
    certificate = sign_fk7804(personas, case)
    assert outbox_dispatch() == 1
    delivery = delivery_of(certificate)
    # The worker stored Försäkringskassan's answer and stopped before marking the row sent.
    OutboxMessage.objects.filter(pk=delivery.outbox_message_id).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    outbox_release_stale()
    outbox_dispatch()
    assert fk.requests == 1
    assert (delivery_of(certificate).answer, AccessEvent.objects.filter(
        basis="sent_to_agency:fk").count()) == (Answer.DELIVERED, 1)  # fmt: skip


def test_a_send_that_stops_its_worker_every_time_ends(fk, personas, case):
    certificate = sign_fk7804(personas, case)
    message_id = delivery_of(certificate).outbox_message_id
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        OutboxMessage.objects.filter(pk=message_id).update(
            status=DeliveryStatus.SENDING, claimed_at=now - timedelta(hours=1)
        )
        outbox_release_stale(now=now)
    message = OutboxMessage.objects.get(pk=message_id)
    assert (message.status, message.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS - 1)
    client = Client()
    client.force_login(personas.treating_physician)
    page = client.get(f"/certificates/{certificate.pk}/").text
    assert "Inte skickat till Försäkringskassan" in page


def test_a_correction_signed_before_the_first_version_left_replaces_it(fk, personas, case):
    first = sign_fk7804(personas, case)
    client = Client()
    client.force_login(personas.treating_physician)
    draft = send(client, "post", f"/api/v1/certificates/{first.pk}/correct").json()
    assert send(client, "post", f"/api/v1/certificates/{draft['id']}/sign").status_code == 200
    assert delivery_of(first).answer == Answer.REPLACED
    assert outbox_dispatch() == 1
    assert list(fk.registered) == [draft["id"]]
    # Försäkringskassan never had the first, so the correction replaces nothing there.
    assert b"relation" not in fk.registered[draft["id"]]


def test_a_correction_of_a_certificate_the_agency_has_names_the_one_it_replaces(fk, personas, case):
    first = sign_fk7804(personas, case)
    outbox_dispatch()
    client = Client()
    client.force_login(personas.treating_physician)
    draft = send(client, "post", f"/api/v1/certificates/{first.pk}/correct").json()
    send(client, "post", f"/api/v1/certificates/{draft['id']}/sign")
    assert outbox_dispatch() == 1
    assert fk.refusals == [] and list(fk.registered) == [str(first.pk), draft["id"]]
    sent = etree.fromstring(fk.registered[draft["id"]])
    relation = sent.find(f".//{{{validation.RIV_CORE}}}relation")
    assert (
        relation.findtext(f"{{{validation.RIV_CORE}}}typ/{{{validation.RIV_TYPES}}}code")
        == "ERSATT"
    )
    assert relation.findtext(
        f"{{{validation.RIV_CORE}}}intygs-id/{{{validation.RIV_TYPES}}}extension"
    ) == str(first.pk)
    # A first version replaces nothing.
    assert b"relation" not in fk.registered[str(first.pk)]

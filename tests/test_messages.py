"""Secure messages: threads scoped by the `messages` consent, unread counts, attachments
checked by content, every read and post audited."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image

from stegvis.access.categories import Category
from stegvis.access.helpers import get_patient_for
from stegvis.accounts.models import User
from stegvis.audit.models import AccessEvent
from stegvis.coordination.messages.services import message_post, thread_start
from stegvis.coordination.models import Attachment, Message, Thread, ThreadKind
from stegvis.coordination.selectors import threads_for, unread_message_count
from stegvis.core.errors import NotAllowed
from stegvis.network import services as network
from stegvis.network.purposes import Purpose
from stegvis.notifications.models import Notification
from stegvis.portal.context_processors import unread_counts

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def fk(personas):
    personas.with_consent(personas.fk_caseworker, [Category.MESSAGES], Purpose.FK_INFORMATION)
    return personas.fk_caseworker


def start(personas, actor, people, kind=ThreadKind.WITH_PATIENT, files=(), body="Hej"):
    role = get_patient_for(
        actor, personas.patient.pk, category=Category.MESSAGES
    ).access_decision.role
    return thread_start(
        actor=actor,
        role=role,
        patient=personas.patient,
        kind=kind,
        subject="Möte i maj",
        participants=people,
        body=body,
        submission_id=uuid.uuid4(),
        files=files,
    )


def test_the_patient_writes_to_a_member_with_consent_and_they_are_told(
    client, personas, fk, django_assert_num_queries
):
    client.force_login(personas.patient)
    page = client.get("/messages/new/")
    assert str(fk.pk) in page.text
    assert str(personas.employer.pk) not in page.text, "no consent, not offered"
    sid = uuid.uuid4()
    data = {"submission_id": sid, "subject": "Fråga", "participants": [fk.pk], "body": "Hej!"}
    response = client.post("/messages/new/", data)
    thread = Thread.objects.get()
    assert response.status_code == 302 and response.url == f"/messages/{thread.pk}/"
    client.post("/messages/new/", data)
    assert Thread.objects.count() == 1 and Message.objects.count() == 1, "a retry adds nothing"
    assert Notification.objects.filter(recipient=fk, kind="message_received").exists()
    assert unread_message_count(fk) == 1
    # The header counts the unread message and its notification together, in one statement.
    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=fk.pk)
    with django_assert_num_queries(1):
        header = unread_counts(request)
    assert header == {"unread_notifications": 1, "unread_messages": 1}
    client.force_login(fk)
    assert "Hej!" in client.get(f"/messages/{thread.pk}/").text
    assert unread_message_count(fk) == 0
    assert client.get("/").context["unread_messages"] == 0
    assert AccessEvent.objects.filter(
        actor=fk, patient=personas.patient, category="messages", object_type="message_thread"
    ).exists()


def test_someone_without_consent_cannot_be_added(personas, fk):
    with pytest.raises(NotAllowed) as refused:
        start(personas, personas.patient, [fk, personas.employer])
    assert refused.value.names == [str(personas.employer)]
    assert not Thread.objects.exists()


def test_a_staff_thread_leaves_the_patient_out(client, personas, fk):
    thread = start(personas, personas.coordinator, [fk], kind=ThreadKind.STAFF)
    assert set(thread.participants.values_list("user", flat=True)) == {
        personas.coordinator.pk,
        fk.pk,
    }
    client.force_login(personas.patient)
    assert client.get(f"/messages/{thread.pk}/").status_code == 404
    assert thread not in threads_for(personas.patient)


def test_withdrawing_the_consent_closes_the_thread_at_the_next_request(client, personas, fk):
    thread = start(personas, personas.patient, [fk])
    client.force_login(fk)
    assert client.get(f"/messages/{thread.pk}/").status_code == 200
    consent = fk.network_roles.get().consents.get()
    network.consent_withdraw(actor=personas.patient, consent=consent)
    assert client.get(f"/messages/{thread.pk}/").status_code == 404
    assert client.get("/messages/").text.count("Möte i maj") == 0
    assert AccessEvent.objects.filter(
        actor=fk, outcome="denied", object_type="message_thread"
    ).exists()


@pytest.mark.parametrize("who", ["outsider", "unrelated_physician", "employer", "other_patient"])
def test_outsiders_see_no_thread(client, personas, fk, who):
    thread = start(personas, personas.patient, [fk])
    client.force_login(personas.get(who))
    assert client.get(f"/messages/{thread.pk}/").status_code == 404
    assert (
        client.post(
            f"/messages/{thread.pk}/", {"submission_id": uuid.uuid4(), "body": "x"}
        ).status_code
        == 404
    )
    assert Message.objects.count() == 1


def test_unread_counts_per_thread_and_in_the_header(client, personas, fk):
    thread = start(personas, personas.patient, [fk])
    client.force_login(personas.patient)
    for text in ("ett", "två"):
        message_post(
            actor=fk,
            role="insurance_caseworker",
            thread=thread,
            body=text,
            submission_id=uuid.uuid4(),
        )
    assert threads_for(personas.patient).get().unread == 2
    page = client.get("/messages/")
    assert "2 nya" in page.text
    client.get(f"/messages/{thread.pk}/")
    assert threads_for(personas.patient).get().unread == 0


def test_a_pdf_and_an_image_are_attached_and_downloaded_by_participants_only(client, personas, fk):
    files = [
        SimpleUploadedFile("intyg.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("bild.png", png_bytes(), content_type="image/png"),
    ]
    client.force_login(personas.patient)
    data = {
        "submission_id": uuid.uuid4(),
        "subject": "S",
        "participants": [fk.pk],
        "body": "B",
        "files": files,
    }
    assert client.post("/messages/new/", data).status_code == 302
    pdf = Attachment.objects.get(content_type="application/pdf")
    assert Attachment.objects.filter(content_type="image/png").exists()
    client.force_login(fk)
    download = client.get(f"/messages/files/{pdf.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    client.force_login(personas.outsider)
    assert client.get(f"/messages/files/{pdf.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("not-really.pdf", b"MZ\x90\x00 an executable pretending"),
        ("script.png", b"<script>alert(1)</script>"),
        # Starts like a PNG but is not one: the content check opens it.
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
    ],
)
def test_a_file_is_judged_by_its_content_not_its_name(client, personas, fk, name, data):
    client.force_login(personas.patient)
    body = "Min text som inte får försvinna"
    post = {
        "submission_id": uuid.uuid4(),
        "subject": "S",
        "participants": [fk.pk],
        "body": body,
        "files": [SimpleUploadedFile(name, data, content_type="application/pdf")],
    }
    response = client.post("/messages/new/", post)
    assert response.status_code == 422
    assert name in response.text and body in response.text
    assert not Thread.objects.exists() and not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, personas, fk, settings):
    settings.STEGVIS_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024), content_type="application/pdf")
    client.force_login(personas.patient)
    post = {
        "submission_id": uuid.uuid4(),
        "subject": "S",
        "participants": [fk.pk],
        "body": "B",
        "files": [big],
    }
    response = client.post("/messages/new/", post)
    assert response.status_code == 422 and "för stor" in response.text


def test_the_thread_list_takes_the_same_queries_for_many_threads(
    client, personas, fk, django_assert_max_num_queries
):
    client.force_login(fk)
    start(personas, personas.patient, [fk])
    client.get("/messages/")
    for _ in range(15):
        start(personas, personas.patient, [fk])
    with django_assert_max_num_queries(14):
        page = client.get("/messages/")
    assert page.text.count("Möte i maj") == 16


def test_staff_write_to_the_patient_alone_but_not_to_no_one(client, personas):
    client.force_login(personas.coordinator)
    url = f"/patients/{personas.patient.pk}/messages/new/"
    base = {"submission_id": uuid.uuid4(), "subject": "Tid", "body": "Vi ses på tisdag"}
    nobody = client.post(url, {**base, "kind": "staff"})
    assert nobody.status_code == 422 and "Välj vem du skriver till." in nobody.text
    assert "Vi ses på tisdag" in nobody.text
    assert client.post(url, {**base, "kind": "with_patient"}).status_code == 302
    thread = Thread.objects.get()
    assert set(thread.participants.values_list("user", flat=True)) == {
        personas.coordinator.pk,
        personas.patient.pk,
    }

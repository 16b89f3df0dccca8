"""Network, consents, plan, capacity note and employer's plan through the API; and the
rule that nothing an employer can open carries a diagnosis."""

import io

import pytest
from pypdf import PdfReader

from stegvis.access.categories import Category
from stegvis.cases.models import MilestoneCompletion
from stegvis.network.models import NetworkMember
from stegvis.plans import selectors, services
from tests.support import complete_body, send


def add_member(client, personas, persona) -> str:
    membership = personas.get(persona).memberships.get()
    response = send(
        client,
        "post",
        f"/api/v1/patients/{personas.patient.pk}/network",
        {
            "user_id": str(personas.get(persona).pk),
            "organisation_id": membership.organisation_id,
            "role": membership.role,
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def grant(client, member_id, category, purpose):
    return send(
        client,
        "post",
        f"/api/v1/network-members/{member_id}/consents",
        {"category": category, "purpose": purpose},
    )


def test_the_patient_manages_network_and_consents_through_the_api(client, personas):
    client.force_login(personas.patient)
    member_id = add_member(client, personas, "employer")
    refused = grant(client, member_id, "sick_leave", "employer_dialogue")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["category"]
    granted = grant(client, member_id, "capacity", "employer_dialogue")
    assert granted.status_code == 201
    listing = client.get(f"/api/v1/patients/{personas.patient.pk}/network").json()
    assert [c["category"] for c in listing[0]["consents"]] == ["capacity"]
    withdrawn = client.delete(f"/api/v1/consents/{granted.json()['id']}")
    assert withdrawn.json()["withdrawn_at"] is not None
    assert client.get(f"/api/v1/patients/{personas.patient.pk}/network").json()[0]["consents"] == []


@pytest.mark.parametrize("persona", ["treating_physician", "employer", "outsider"])
def test_nobody_but_the_patient_reads_or_changes_the_network(client, personas, persona):
    client.force_login(personas.patient)
    member_id = add_member(client, personas, "employer")
    client.force_login(personas.get(persona))
    assert client.get(f"/api/v1/patients/{personas.patient.pk}/network").status_code == 404
    assert grant(client, member_id, "capacity", "employer_dialogue").status_code == 404


def test_plan_writes_need_the_current_etag(client, personas, case):
    client.force_login(personas.patient)
    read = client.get(f"/api/v1/cases/{case.pk}/plan")
    etag = read["ETag"]
    body = {**read.json()["content"], "goals": ["Back by March"]}
    url = f"/api/v1/cases/{case.pk}/plan"
    assert send(client, "put", url, body).status_code == 428
    saved = send(client, "put", url, body, HTTP_IF_MATCH=etag)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    assert saved["ETag"] != etag
    # Another writer still holding the old ETag is refused, and nothing is lost.
    other = {**body, "goals": ["Something else"]}
    assert send(client, "put", url, other, HTTP_IF_MATCH=etag).status_code == 412
    # Retrying the very same save is harmless.
    assert send(client, "put", url, body, HTTP_IF_MATCH=etag).json()["version"] == 1
    assert client.get(f"{url}/versions").json()[0]["number"] == 1
    assert client.get(f"{url}/versions/1").json()["content"]["goals"] == ["Back by March"]


def test_bad_plan_content_names_the_field(client, personas, case):
    client.force_login(personas.patient)
    url = f"/api/v1/cases/{case.pk}/plan"
    etag = client.get(url)["ETag"]
    body = {"schedule": [{"weeks": 2}]}
    response = send(client, "put", url, body, HTTP_IF_MATCH=etag)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:3] == ["body", "payload", "schedule"]


def test_staff_propose_through_the_api_and_the_patient_decides(client, personas, case):
    client.force_login(personas.coordinator)
    url = f"/api/v1/cases/{case.pk}/plan"
    assert send(client, "put", url, {"goals": ["x"]}, HTTP_IF_MATCH="*").status_code == 403
    proposal = send(
        client, "post", f"{url}/proposals", {"section": "actions", "value": [{"text": "Call HR"}]}
    )
    assert proposal.status_code == 201
    bad = send(client, "post", f"{url}/proposals", {"section": "schedule", "value": [{}]})
    assert bad.status_code == 422
    client.force_login(personas.patient)
    decided = send(
        client, "post", f"/api/v1/plan-proposals/{proposal.json()['id']}/decision", {"accept": True}
    )
    assert decided.json()["status"] == "accepted"
    assert client.get(url).json()["content"]["actions"][0]["text"] == "Call HR"


def test_note_and_employer_plan_through_the_api(client, personas, case):
    client.force_login(personas.patient)
    member_id = add_member(client, personas, "employer")
    note_url = f"/api/v1/cases/{case.pk}/capacity-note"
    etag = client.get(note_url)["ETag"]
    body = {"work_situation": "Baker", "limitations": "Tires fast", "adjustments": "Mornings"}
    assert send(client, "put", note_url, body, HTTP_IF_MATCH=etag).status_code == 200
    shared = send(client, "post", f"{note_url}/share", {"member_id": member_id})
    assert shared.json()["shared_with_member_id"] == member_id

    client.force_login(personas.employer)
    assert client.get(note_url).json()["limitations"] == "Tires fast"
    plan_url = f"/api/v1/cases/{case.pk}/employer-plan"
    read = client.get(plan_url)
    assert read.json()["capacity_note"]["adjustments"] == "Mornings"
    assert send(client, "post", f"{plan_url}/complete").status_code == 422
    answers = {p["code"]: "Agreed" for p in read.json()["points"]}
    saved = send(client, "put", plan_url, {"answers": answers}, HTTP_IF_MATCH=read["ETag"])
    assert saved.status_code == 200
    assert (
        send(client, "put", plan_url, {"answers": answers}, HTTP_IF_MATCH=read["ETag"]).status_code
        == 412
    )
    assert send(client, "post", f"{plan_url}/complete").json()["completed_at"]
    assert MilestoneCompletion.objects.filter(case=case, code="employer_rtw_plan").exists()


DIAGNOSIS_CODE = "F43.8A"
DIAGNOSIS_TEXT = "Utmattningssyndrom"


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_no_page_api_response_or_pdf_gives_an_employer_a_diagnosis(client, personas, case):
    # A signed certificate with a diagnosis, and the most the patient can share.
    client.force_login(personas.treating_physician)
    draft = send(client, "post", f"/api/v1/cases/{case.pk}/certificates", complete_body())
    send(client, "post", f"/api/v1/certificates/{draft.json()['id']}/sign")
    client.force_login(personas.patient)
    member_id = add_member(client, personas, "employer")
    for category in (
        Category.IDENTITY,
        Category.CAPACITY,
        Category.PLAN,
        Category.MEETINGS,
        Category.MESSAGES,
    ):
        assert grant(client, member_id, category, "employer_dialogue").status_code == 201
    note = selectors.capacity_note_of(case)
    note = services.capacity_note_save(
        actor=personas.patient,
        note=note,
        base_revision=0,
        data={"limitations": "Tires after two hours"},
    )
    services.capacity_note_share(
        actor=personas.patient, note=note, member=NetworkMember.objects.get(pk=member_id)
    )
    certificate_id = draft.json()["id"]

    client.force_login(personas.employer)
    pages = [
        "/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/plan/",
        f"/cases/{case.pk}/capacity-note/",
        f"/cases/{case.pk}/employer-plan/",
        "/notifications/",
        f"/certificates/{certificate_id}/employer-copy/",
    ]
    apis = [
        f"/api/v1/cases/{case.pk}",
        f"/api/v1/cases/{case.pk}/timeline",
        f"/api/v1/patients/{personas.patient.pk}/cases",
        f"/api/v1/cases/{case.pk}/plan",
        f"/api/v1/cases/{case.pk}/capacity-note",
        f"/api/v1/cases/{case.pk}/employer-plan",
        f"/api/v1/certificates/{certificate_id}/employer-copy",
    ]
    pdfs = [
        f"/cases/{case.pk}/plan.pdf",
        f"/cases/{case.pk}/capacity-note.pdf",
        f"/cases/{case.pk}/employer-plan.pdf",
    ]
    seen = []
    for url in pages + apis:
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append((url, response.content.decode()))
    for url in pdfs:
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append((url, _pdf_text(response.content)))
    assert "Tires after two hours" in dict(seen)[f"/cases/{case.pk}/capacity-note.pdf"]
    for url, text in seen:
        assert DIAGNOSIS_CODE not in text and DIAGNOSIS_TEXT not in text, url
    # The certificate itself stays closed to the employer.
    for url in (
        f"/cases/{case.pk}/certificates/",
        f"/certificates/{certificate_id}/",
        f"/api/v1/cases/{case.pk}/certificates",
        f"/api/v1/certificates/{certificate_id}",
    ):
        assert client.get(url).status_code == 404, url

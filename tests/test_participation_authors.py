"""Who wrote a proposal or a comment: being a patient at a unit is health data, so nobody
but the unit's staff ever learns who wrote anything, and the staff only when the author
allowed it on the form (issue 32, point 1)."""

import json
import re
import uuid

import pytest
from django.core import mail

from stegvis.access.participation import participation_scope
from stegvis.notifications.outbox import outbox_dispatch
from stegvis.participation import services
from stegvis.participation.models import Proposal, ProposalState
from tests.factories import patient_at

READERS = ["author", "other_patient", "representative", "facilitator", "staff"]
STAFF = {"facilitator", "staff"}
# What each reader is shown instead of the name (the author: themself).
SHOWN_INSTEAD = {"author": "Du"} | dict.fromkeys(READERS[1:], "En patient")


@pytest.fixture
def people(personas):
    """Sara, a patient at the unit, writes; Peter, another patient there, the unit's
    representative, its participation facilitator and her physician read."""
    return {
        "author": patient_at(
            personas.unit, given_name="Sara", family_name="Ahmadi", email="sara@example.org"
        ),
        "other_patient": patient_at(personas.unit, given_name="Peter", family_name="Berg"),
        "representative": personas.representative,
        "facilitator": personas.facilitator,
        "staff": personas.treating_physician,
    }


def _written(people, *, show_name_to_staff: bool) -> Proposal:
    """Sara's proposal and a comment of hers, supported by every reader; the facilitator's
    answer tells her and the supporting representative, in the app and by e-mail."""
    sara = people["author"]
    scope = participation_scope(sara)
    proposal = services.proposal_create(
        actor=sara, scope=scope, organisation_id=min(scope.units),
        title="Påminnelser på kvällen", body="Kan påminnelserna komma på kvällen?",
        show_name_to_staff=show_name_to_staff,
    )  # fmt: skip
    services.proposal_comment(
        actor=sara, scope=scope, proposal=proposal, body="Gärna efter klockan sju.",
        show_name_to_staff=show_name_to_staff,
    )  # fmt: skip
    for reader in people.values():
        services.proposal_support(actor=reader, proposal=proposal, support=True)
    facilitator = people["facilitator"]
    services.proposal_move(
        actor=facilitator, scope=participation_scope(facilitator), proposal=proposal,
        revision=proposal.revision, state=ProposalState.EVALUATING, answer="Vi ser över det.",
    )  # fmt: skip
    outbox_dispatch()
    return proposal


def _outputs(client, reader, proposal) -> dict[str, str]:
    client.force_login(reader)
    return {
        "page": client.get(f"/participation/proposals/{proposal.pk}/").text,
        "api_list": client.get("/api/v1/participation/proposals").text,
        "api_detail": client.get(f"/api/v1/participation/proposals/{proposal.pk}").text,
        "results_page": client.get("/participation/results/").text,
        "notifications": client.get("/notifications/").text,
        "emails": "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox if reader.email in m.to),
    }


@pytest.mark.parametrize("show_name_to_staff", [False, True], ids=["unnamed", "named"])
@pytest.mark.parametrize("reader", READERS)
def test_an_authors_name_reaches_only_the_units_staff_and_only_when_allowed(
    client, people, reader, show_name_to_staff
):
    proposal = _written(people, show_name_to_staff=show_name_to_staff)
    outputs = _outputs(client, people[reader], proposal)
    assert outputs["page"] and outputs["api_detail"]
    if reader in ("author", "representative"):
        assert outputs["emails"], "the author and a supporting representative are told"
    named = show_name_to_staff and reader in STAFF
    for output, text in outputs.items():
        shows_name = "Sara Ahmadi" in text or "sara@example.org" in text
        expected = named and output in ("page", "api_list", "api_detail")
        assert shows_name == expected, f"{reader} reads the name in {output}: {shows_name}"
    if not named:
        instead = SHOWN_INSTEAD[reader]
        proposal_line, comments = outputs["page"].split('id="comments-heading"')
        assert f'<p class="muted">{instead} · Vårdcentralen Solbacken' in proposal_line
        assert f'<p class="muted">{instead} · ' in comments
        assert json.loads(outputs["api_detail"])["author"] == instead


def test_the_form_says_who_sees_what_before_sending_and_naming_is_the_authors_choice(
    client, people
):
    client.force_login(people["author"])
    form = client.get("/participation/proposals/new/").text
    said = form.index("Vem ser det du skriver")
    assert said < form.index('name="show_name_to_staff"') < form.index("Skicka förslaget</button>")
    assert "Andra patienter och patientföreträdare ser aldrig vem som skrev det" in form
    assert "de ser ”En patient”" in form
    assert re.search(r'<input type="checkbox" name="show_name_to_staff"(?![^>]*checked)', form)
    unit = people["staff"].memberships_cached()[0].organisation_id
    data = {"unit": unit, "body": "De är långa."}
    unnamed = {**data, "title": "Kortare formulär", "submission_id": uuid.uuid4()}
    assert client.post("/participation/proposals/new/", unnamed).status_code == 302
    assert Proposal.objects.get(title="Kortare formulär").name_shown_to_staff is False
    named = {**data, "title": "Tolk", "submission_id": uuid.uuid4(), "show_name_to_staff": "on"}
    assert client.post("/participation/proposals/new/", named).status_code == 302
    named = Proposal.objects.get(title="Tolk")
    assert named.name_shown_to_staff is True
    detail = client.get(f"/participation/proposals/{named.pk}/").text
    comments = detail.split('id="comments-heading"')[1]
    assert comments.index("Vem ser det du skriver") < comments.index('name="show_name_to_staff"')


def test_a_representative_reads_what_they_will_be_shown_as(client, people):
    client.force_login(people["representative"])
    form = client.get("/participation/proposals/new/").text
    assert "de ser ”En patientföreträdare”" in form

"""Patient participation: proposals and their states, the representatives' network, and
what a representative may and may not reach."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from stegvis.access.participation import participation_scope
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.core.errors import StaleEdit
from stegvis.notifications.models import Notification
from stegvis.notifications.outbox import outbox_dispatch
from stegvis.participation import services
from stegvis.participation.models import (
    InvitationStatus,
    Proposal,
    ProposalState,
    Representative,
    RepresentativeInvitation,
)
from tests.factories import OrganisationFactory, UserFactory, member, patient_at, representative_at

State = ProposalState
# What a browser sends when someone new signs up to accept an invitation.
RUT_SIGNS_UP = {
    "email": "rut@example.org", "given_name": "Rut", "family_name": "Ek",
    "password1": "ett-langt-losen-2026", "password2": "ett-langt-losen-2026",
}  # fmt: skip


def _proposal(author, unit, show_name_to_staff=False) -> Proposal:
    return services.proposal_create(
        actor=author,
        scope=participation_scope(author),
        organisation_id=unit.pk,
        title="Kvällspåminnelser",
        body="Påminnelser på kvällen i stället för på morgonen.",
        show_name_to_staff=show_name_to_staff,
    )


def _move(actor, proposal, state, answer=""):
    proposal.refresh_from_db()
    return services.proposal_move(
        actor=actor, scope=participation_scope(actor), proposal=proposal,
        revision=proposal.revision, state=state, answer=answer,
    )  # fmt: skip


def test_accepting_or_rejecting_needs_a_public_answer(personas):
    proposal = _proposal(personas.patient, personas.unit)
    with pytest.raises(services.NotAllowed, match="svaret"):
        _move(personas.facilitator, proposal, State.ACCEPTED)
    _move(personas.facilitator, proposal, State.EVALUATING)
    with pytest.raises(services.NotAllowed, match="svaret"):
        _move(personas.facilitator, proposal, State.REJECTED, answer="   ")
    _move(personas.facilitator, proposal, State.ACCEPTED, answer="Vi provar i vår.")
    proposal.refresh_from_db()
    assert proposal.state == State.ACCEPTED and proposal.answer == "Vi provar i vår."
    assert proposal.answered_by == personas.facilitator and proposal.answered_at is not None
    assert [c.state for c in proposal.changes.all()] == [
        State.NOT_ANSWERED, State.EVALUATING, State.ACCEPTED,
    ]  # fmt: skip


def test_the_author_and_supporting_representatives_hear_of_a_new_state(personas):
    proposal = _proposal(personas.patient, personas.unit)
    services.proposal_support(actor=personas.representative, proposal=proposal, support=True)
    services.proposal_support(actor=personas.treating_physician, proposal=proposal, support=True)
    _move(personas.facilitator, proposal, State.EVALUATING)
    told = Notification.objects.filter(kind="participation_news", object_id=str(proposal.pk))
    assert {n.recipient for n in told} == {personas.patient, personas.representative}
    assert told.first().link == f"/participation/proposals/{proposal.pk}/"


def test_only_the_author_withdraws_and_withdrawn_stays_withdrawn(personas):
    proposal = _proposal(personas.patient, personas.unit)
    with pytest.raises(services.NotAllowed):
        _move(personas.facilitator, proposal, State.WITHDRAWN)
    with pytest.raises(services.NotAllowed):
        _move(personas.representative, proposal, State.WITHDRAWN)
    _move(personas.patient, proposal, State.WITHDRAWN)
    for state in (State.EVALUATING, State.ACCEPTED, State.NOT_ANSWERED):
        with pytest.raises(services.NotAllowed):
            _move(personas.facilitator, proposal, state, answer="Ja")


def test_the_patient_cannot_answer_and_another_units_facilitator_cannot_either(personas):
    proposal = _proposal(personas.patient, personas.unit)
    with pytest.raises(services.NotAllowed):
        _move(personas.patient, proposal, State.ACCEPTED, answer="Ja")
    elsewhere = member(UserFactory(), personas.other_unit, Role.PARTICIPATION_FACILITATOR)
    with pytest.raises(services.NotAllowed):
        _move(elsewhere, proposal, State.EVALUATING)


def test_a_stale_answer_is_refused_and_overwrites_nothing(personas):
    proposal = _proposal(personas.patient, personas.unit)
    seen = proposal.revision
    _move(personas.facilitator, proposal, State.EVALUATING)
    with pytest.raises(StaleEdit):
        services.proposal_move(
            actor=personas.facilitator, scope=participation_scope(personas.facilitator),
            proposal=proposal, revision=seen, state=State.REJECTED, answer="Nej",
        )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.state == State.EVALUATING and proposal.answer == ""


def test_the_page_keeps_the_answer_when_it_is_refused(client, personas):
    proposal = _proposal(personas.patient, personas.unit)
    client.force_login(personas.facilitator)
    url = f"/participation/proposals/{proposal.pk}/"
    page = client.post(url, {"action": "answer", "revision": proposal.revision,
                             "state": "accepted", "answer": ""})  # fmt: skip
    assert page.status_code == 400
    stale = client.post(url, {"action": "answer", "revision": proposal.revision - 1,
                              "state": "rejected", "answer": "Vi har inte resurser."})  # fmt: skip
    assert stale.status_code == 400 and "Vi har inte resurser." in stale.text
    proposal.refresh_from_db()
    assert proposal.state == State.NOT_ANSWERED


def test_an_author_is_a_patient_to_staff_unless_named_and_you_to_themself(client, personas):
    proposal = _proposal(personas.patient, personas.unit)
    url = f"/participation/proposals/{proposal.pk}/"
    client.force_login(personas.facilitator)
    page = client.get(url).text
    assert personas.patient.full_name not in page and "En patient" in page
    Proposal.objects.filter(pk=proposal.pk).update(name_shown_to_staff=True)
    assert personas.patient.full_name in client.get(url).text
    client.force_login(personas.patient)
    page = client.get(url).text
    assert personas.patient.full_name not in page and "Du ·" in page


def test_one_support_per_person(client, personas):
    proposal = _proposal(personas.patient, personas.unit)
    client.force_login(personas.representative)
    url = f"/participation/proposals/{proposal.pk}/"
    for _twice in range(2):
        client.post(url, {"action": "support"})
    assert proposal.supports.count() == 1
    client.post(url, {"action": "unsupport"})
    assert proposal.supports.count() == 0


def test_duplicates_are_linked_within_a_unit_never_to_themselves(personas):
    first = _proposal(personas.patient, personas.unit)
    second = _proposal(personas.representative, personas.unit)
    scope = participation_scope(personas.facilitator)
    services.proposal_mark_duplicate(
        actor=personas.facilitator, scope=scope, proposal=second, of=first
    )
    assert list(first.duplicates.all()) == [second]
    with pytest.raises(services.NotAllowed):
        services.proposal_mark_duplicate(actor=personas.facilitator, scope=scope, proposal=first,
                                         of=second)  # fmt: skip
    with pytest.raises(services.NotAllowed):
        services.proposal_mark_duplicate(actor=personas.facilitator, scope=scope, proposal=first,
                                         of=first)  # fmt: skip


def test_a_patient_proposes_from_home_and_a_retried_send_makes_one(client, personas):
    client.force_login(personas.patient)
    home = client.get("/").text
    assert 'href="/participation/proposals/new/"' in home
    form = client.get("/participation/proposals/new/").text
    submission = re.search(r'name="submission_id" value="([^"]+)"', form).group(1)
    data = {
        "submission_id": submission,
        "unit": personas.unit.pk,
        "title": "Kortare formulär",
        "body": "Formulären är för långa när man är trött.",
    }
    first = client.post("/participation/proposals/new/", data)
    again = client.post("/participation/proposals/new/", data)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Proposal.objects.filter(title="Kortare formulär").count() == 1
    empty = client.post("/participation/proposals/new/", {**data, "title": "", "submission_id": ""})
    assert empty.status_code == 400 and "Formulären är för långa" in empty.text


# The network.
def test_an_invited_person_joins_and_describes_their_experience(client, personas):
    client.force_login(personas.facilitator)
    answer = client.post("/participation/network/", {"name": "Rut", "email": "rut@example.org"})
    assert answer.status_code == 302
    assert mail.outbox == []  # the worker sends it
    outbox_dispatch()
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/participation/join/\S+/", message.body).group(0)
    client.logout()
    joined = client.post(link, RUT_SIGNS_UP)
    assert joined.status_code == 302
    representative = Representative.objects.get(user__email="rut@example.org")
    assert participation_scope(representative.user).kind == "representative"
    profile = client.get("/participation/me/")
    revision = re.search(r'name="revision" value="(\d+)"', profile.text).group(1)
    saved = client.post("/participation/me/", {
        "revision": revision, "areas": ["exhaustion", "unemployed"], "languages": "svenska",
        "available_evenings": "on", "preferred_contact": "email", "may_contact": "on",
    })  # fmt: skip
    assert saved.status_code == 302
    assert set(representative.areas.values_list("area", flat=True)) == {"exhaustion", "unemployed"}
    # The link works once.
    client.logout()
    assert client.get(link).status_code == 404


def _invite_rut(client, personas) -> str:
    client.force_login(personas.facilitator)
    client.post("/participation/network/", {"name": "Rut", "email": "rut@example.org"})
    client.logout()
    outbox_dispatch()
    return re.search(r"https?://\S+(/participation/join/\S+/)", mail.outbox[-1].body).group(1)


def test_someone_else_signed_in_is_refused_a_representative_invitation(client, personas):
    link = _invite_rut(client, personas)
    stranger = personas.outsider
    client.force_login(stranger)
    for answer in (client.get(link), client.post(link)):
        assert answer.status_code == 403 and "Inbjudan är till någon annan" in answer.text
    assert not Representative.objects.filter(user=stranger).exists()
    assert participation_scope(stranger) is None
    assert RepresentativeInvitation.objects.get().status == InvitationStatus.OPEN
    client.logout()
    assert client.post(link, RUT_SIGNS_UP).status_code == 302
    assert Representative.objects.filter(user__email="rut@example.org").exists()


def test_a_representative_invitation_is_used_up_by_the_first_acceptance(client, personas):
    link = _invite_rut(client, personas)
    token = link.split("/")[3]
    first, second = services.invitation_for_token(token), services.invitation_for_token(token)
    rut = UserFactory(email="rut@example.org")
    services.invitation_accept(invitation=first, user=rut)
    # A request that found it open beside the first is refused, even for the right person.
    with pytest.raises(services.InvitationUsed):
        services.invitation_accept(invitation=second, user=rut)
    client.force_login(rut)
    again = client.post(link)
    assert again.status_code == 404 and "Inbjudan gäller inte längre" in again.text
    assert Representative.objects.filter(user=rut).count() == 1


def test_signing_up_for_a_representative_invitation_with_another_address_is_refused(
    client, personas
):
    link = _invite_rut(client, personas)
    answer = client.post(link, {**RUT_SIGNS_UP, "email": "sara@example.org"})
    assert answer.status_code == 400 and "Inbjudan skickades till en annan adress" in answer.text
    nobody = ["sara@example.org", "rut@example.org"]
    assert not Representative.objects.filter(user__email__in=nobody).exists()
    assert RepresentativeInvitation.objects.get().status == InvitationStatus.OPEN


def test_withdrawing_consent_to_be_contacted_takes_effect_at_once(client, personas):
    representative = personas.representative.representative
    client.force_login(personas.facilitator)
    network = client.get("/participation/network/?area=long_term_pain").text
    assert "får kontaktas" in network and "vill inte bli kontaktad" not in network
    client.force_login(personas.representative)
    services.representative_update(
        actor=personas.representative, representative=representative,
        revision=representative.revision, areas=["long_term_pain"], may_contact=False,
        preferred_contact="email",
    )  # fmt: skip
    client.force_login(personas.facilitator)
    network = client.get("/participation/network/?area=long_term_pain").text
    assert "vill inte bli kontaktad" in network
    detail = client.get(f"/participation/network/{representative.pk}/").text
    assert personas.representative.email not in detail  # no contact details shown


def test_a_representative_who_leaves_takes_part_no_more(client, personas):
    client.force_login(personas.representative)
    assert client.get("/participation/").status_code == 200
    client.post("/participation/me/", {"action": "leave"})
    assert client.get("/participation/").status_code == 404
    representative = Representative.objects.get(user=personas.representative)
    assert representative.left_at is not None and not representative.may_contact


def test_reading_a_representatives_profile_is_on_their_own_log(client, personas):
    representative = personas.representative.representative
    client.force_login(personas.facilitator)
    client.get("/participation/network/")
    client.get(f"/participation/network/{representative.pk}/")
    about = AccessEvent.objects.filter(patient=personas.representative, actor=personas.facilitator)
    assert set(about.values_list("object_type", flat=True)) == {
        "representative_list", "representative",
    }  # fmt: skip
    # Another unit's facilitator does not find them.
    elsewhere_unit = OrganisationFactory()
    elsewhere = member(UserFactory(), elsewhere_unit, Role.PARTICIPATION_FACILITATOR)
    client.force_login(elsewhere)
    assert client.get(f"/participation/network/{representative.pk}/").status_code == 404


# Activities.
def _activity(personas, **fields):
    return services.activity_create(
        actor=personas.facilitator,
        scope=participation_scope(personas.facilitator),
        organisation_id=personas.unit.pk,
        kind="reference_group",
        title="Frågeformulären",
        purpose="Är frågorna begripliga?",
        role_description="Ni läser och säger vad som är svårt; vi väljer formuleringar.",
        preparation="Läs formulären innan.",
        starts_at=timezone.now() + timedelta(days=7),
        minutes_planned=60,
        place="Solbacken",
        **fields,
    )


def test_an_invitation_carries_the_role_and_the_preparation_and_skips_who_said_no(personas):
    activity = _activity(personas)
    willing = personas.representative.representative
    unwilling_user = representative_at(personas.unit)
    unwilling = unwilling_user.representative
    unwilling.may_contact = False
    unwilling.save()
    scope = participation_scope(personas.facilitator)
    with pytest.raises(services.NotAllowed):
        services.activity_invite(
            actor=personas.facilitator, scope=scope, activity=activity,
            representatives=[willing, unwilling],
        )  # fmt: skip
    assert not activity.participants.exists() and mail.outbox == []
    services.activity_invite(actor=personas.facilitator, scope=scope, activity=activity,
                             representatives=[willing])  # fmt: skip
    # Sent by a worker, not inside the request; once, however often it is dispatched.
    assert mail.outbox == [] and activity.participants.get().preparation_sent_at is None
    outbox_dispatch()
    outbox_dispatch()
    (message,) = mail.outbox
    assert message.to == [personas.representative.email]
    assert "vi väljer formuleringar" in message.body and "Läs formulären innan." in message.body
    assert activity.participants.get().preparation_sent_at is not None


def test_a_representative_who_leaves_before_the_preparation_leaves_gets_none(personas):
    """The e-mail is written as the worker sends it: someone who left the network
    meanwhile is not contacted, and the table never says it was sent."""
    activity = _activity(personas)
    scope = participation_scope(personas.facilitator)
    representative = personas.representative.representative
    services.activity_invite(actor=personas.facilitator, scope=scope, activity=activity,
                             representatives=[representative])  # fmt: skip
    services.representative_leave(actor=personas.representative, representative=representative)
    outbox_dispatch()
    assert mail.outbox == []
    assert activity.participants.get().preparation_sent_at is None


def test_minutes_and_time_given_are_recorded_and_the_representative_is_involved(client, personas):
    activity = _activity(personas)
    scope = participation_scope(personas.facilitator)
    services.activity_invite(actor=personas.facilitator, scope=scope, activity=activity,
                             representatives=[personas.representative.representative])  # fmt: skip
    client.force_login(personas.representative)
    url = f"/participation/activities/{activity.pk}/"
    assert "Ni läser och säger vad som är svårt" in client.get(url).text
    client.post(url, {"action": "coming"})
    participant = activity.participants.get()
    assert participant.status == "accepted"
    client.force_login(personas.facilitator)
    answer = client.post(url, {"action": "record", "revision": activity.revision, "status": "held",
                               "minutes": "Tre frågor var svåra.", "decided": "Vi skriver om dem.",
                               f"time-{participant.pk}": "75"})  # fmt: skip
    assert answer.status_code == 302
    participant.refresh_from_db()
    assert (participant.status, participant.minutes_spent) == ("attended", 75)
    representative = Representative.objects.get(pk=participant.representative_id)
    assert representative.last_involved_on == timezone.localdate(activity.starts_at)
    # Someone not invited does not see it.
    client.force_login(representative_at(personas.unit))
    assert client.get(url).status_code == 404


# "You said, we did".
def test_progress_rolls_up_by_weight_and_the_involved_are_told_of_a_new_status(client, personas):
    proposal = _proposal(personas.representative, personas.unit)
    _move(personas.facilitator, proposal, State.ACCEPTED, answer="Vi gör det.")
    scope = participation_scope(personas.facilitator)
    parent = services.result_create(
        actor=personas.facilitator, scope=scope, organisation_id=personas.unit.pk,
        title="Bättre påminnelser", responsible=personas.unit_manager, proposals=[proposal],
    )  # fmt: skip
    for weight, progress in ((3, 100), (1, 20)):
        child = services.result_create(
            actor=personas.facilitator, scope=scope, organisation_id=personas.unit.pk,
            title=f"Del {weight}", responsible=personas.unit_manager, parent=parent,
            weight=weight, progress=progress,
        )  # fmt: skip
    assert services.rolled_up_progress(parent) == round((3 * 100 + 1 * 20) / 4)
    parent.refresh_from_db()
    services.result_update(
        actor=personas.facilitator, scope=scope, result=parent, revision=parent.revision,
        status="in_progress", progress=10, description="Vi har börjat.",
    )  # fmt: skip
    told = Notification.objects.filter(kind="participation_news", object_type="result")
    assert [n.recipient for n in told] == [personas.representative]
    # The same status again is a timeline entry, not news.
    parent.refresh_from_db()
    services.result_update(
        actor=personas.facilitator, scope=scope, result=parent, revision=parent.revision,
        status="in_progress", progress=30, description="Halvvägs.",
    )  # fmt: skip
    assert told.count() == 1 and parent.timeline.count() == 3
    client.force_login(personas.patient)
    page = client.get("/participation/results/").text
    assert "Bättre påminnelser" in page and "Halvvägs." in page and 'value="80"' in page
    assert child.title in page


def test_the_impact_report_as_page_pdf_and_csv(client, personas):
    proposal = _proposal(personas.patient, personas.unit)
    _move(personas.facilitator, proposal, State.REJECTED, answer="Inte nu.")
    _proposal(personas.patient, personas.unit)
    client.force_login(personas.unit_manager)
    page = client.get("/participation/impact/")
    assert page.status_code == 200 and "Förslag som besvarats" in page.text
    rows = dict(csv.reader(io.StringIO(client.get("/participation/impact/?format=csv").text)))
    assert rows["proposals_received"] == "2" and rows["proposals_answered"] == "1"
    assert rows["median_days_to_answer"] == "0"  # answered within the day
    pdf = client.get("/participation/impact/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    assert client.get("/participation/impact/?start=2026-05-01&end=2026-01-01").status_code == 400
    client.force_login(personas.patient)
    assert client.get("/participation/impact/").status_code == 404


IMPACT = "/participation/impact/?start=2026-01-01&end=2026-06-01"


def test_an_indicator_before_and_after_a_result_is_the_units_own_monthly_figures(client, personas):
    # Issue 32: each side hid only itself, over six-month windows that moved by the day, so
    # two reports (or two results) could be set against each other or against the unit's
    # monthly table. A side is now the sum of that protected table's months, whole months
    # only, shown only where each of its months is shown and has ended.
    from stegvis.insights.measures import figures_for
    from stegvis.insights.models import CaseExtract
    from stegvis.insights.rules import unit_scope
    from stegvis.participation.impact import before_after

    result = services.result_create(
        actor=personas.facilitator, scope=participation_scope(personas.facilitator),
        organisation_id=personas.unit.pk, title="Kvällspåminnelser",
        responsible=personas.unit_manager, indicator="checkin_adherence",
        effective_on=date(2026, 3, 12),
    )  # fmt: skip
    for index in range(12):
        start = date(2026, 1, 10) if index < 6 else date(2026, 4, 10)
        CaseExtract.objects.create(
            case=Case.objects.get(patient=patient_at(personas.unit)),
            pseudonym=f"p{index}", organisation=personas.unit, unit="Solbacken",
            start_date=start, end_date=start + timedelta(days=60), outcome="censored",
            net_days=60, checkins_due=10, checkins_answered=4 if index < 6 else 9,
            as_of=date(2026, 6, 1),
        )  # fmt: skip

    def compared(as_of):
        figures = figures_for(unit_scope(personas.unit.pk), as_of)
        return before_after(result, figures, as_of), figures["checkin_adherence"]

    # December to February against March to May (the month it took effect, and two more).
    found, table = compared(date(2026, 6, 1))
    assert (found.before.n, found.before.x, found.after.n, found.after.x) == (60, 24, 60, 54)
    assert found.before.share == 0.4 and found.after.share == 0.9
    january, april = (table.by_month[(personas.unit.pk, date(2026, m, 1))] for m in (1, 4))
    assert (january.n, january.x, april.n, april.x) == (60, 24, 60, 54)  # the table's own
    # The page, as the unit's manager and as the facilitator: the same sums of the same months.
    from stegvis.insights.models import ExtractState

    ExtractState.objects.create(as_of=date(2026, 6, 1), version=1)
    for reader in (personas.unit_manager, personas.facilitator):
        with time_machine.travel("2026-06-01 12:00 +02:00", tick=False):
            client.force_login(reader)
            answer = client.get(f"{IMPACT}&format=csv")
            rows = dict(csv.reader(io.StringIO(answer.text)))
        key = f"result:{result.pk}:checkin_adherence"
        assert (rows[f"{key}:before_share"], rows[f"{key}:after_share"]) == ("0.4", "0.9")
    # While May runs, the after side is not yet counted: it would change by the day.
    found, _table = compared(date(2026, 5, 20))
    assert found.after.pending and found.after.share is None and found.before.share == 0.4
    # Four missed check-ins in April: the table hides April, so the side is not shown.
    after = CaseExtract.objects.filter(start_date=date(2026, 4, 10))
    after.update(checkins_answered=10)
    after.filter(pk=after.first().pk).update(checkins_answered=6)
    found, table = compared(date(2026, 6, 1))
    assert table.by_month[(personas.unit.pk, date(2026, 4, 1))].hidden
    assert not found.after.shown and not found.after.pending and found.after.share is None
    # And January with it, in the table and so here: else April would be the total less it.
    assert table.by_month[(personas.unit.pk, date(2026, 1, 1))].hidden
    assert not found.before.shown
    # Older than the twelve months the table keeps: not shown.
    found, _table = compared(date(2027, 3, 1))
    assert not found.before.shown and not found.after.shown


def test_the_api_makes_a_proposal_and_refuses_an_unanswered_acceptance(client, personas):
    client.force_login(personas.patient)
    made = client.post("/api/v1/participation/proposals", {
        "unit_id": personas.unit.pk, "title": "Färre formulär", "body": "De är för många.",
    }, content_type="application/json")  # fmt: skip
    assert made.status_code == 201
    proposal_id = made.json()["id"]
    elsewhere = client.post("/api/v1/participation/proposals", {
        "unit_id": personas.other_unit.pk, "title": "X", "body": "Y",
    }, content_type="application/json")  # fmt: skip
    assert elsewhere.status_code == 422
    client.force_login(personas.facilitator)
    seen = client.get(f"/api/v1/participation/proposals/{proposal_id}").json()
    assert seen["author"] == "En patient"
    refused = client.post(f"/api/v1/participation/proposals/{proposal_id}/state",
                          {"state": "accepted", "answer": "", "revision": seen["revision"]},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 422 and refused.json()["code"] == "not_allowed"
    accepted = client.post(f"/api/v1/participation/proposals/{proposal_id}/state",
                           {"state": "accepted", "answer": "Ja.", "revision": seen["revision"]},
                           content_type="application/json")  # fmt: skip
    assert accepted.json()["state"] == "accepted"
    stale = client.post(f"/api/v1/participation/proposals/{proposal_id}/state",
                        {"state": "rejected", "answer": "Nej.", "revision": seen["revision"]},
                        content_type="application/json")  # fmt: skip
    assert stale.status_code == 412


def test_the_facilitator_records_a_result_from_an_accepted_proposal_on_the_page(client, personas):
    proposal = _proposal(personas.patient, personas.unit)
    _move(personas.facilitator, proposal, State.ACCEPTED, answer="Ja.")
    client.force_login(personas.facilitator)
    form = {"action": "create", "title": "Kvällspåminnelser", "weight": 1,
            "responsible": personas.unit_manager.pk, "proposals": [proposal.pk]}  # fmt: skip
    assert client.post("/participation/results/", form).status_code == 302
    result = proposal.results.get()
    assert result.responsible == personas.unit_manager and result.timeline.count() == 1
    # Planned, 0 %: recorded, not "started" (issue 33).
    assert "Planerat, 0&nbsp;% – Registrerat." in client.get("/participation/results/").text
    refused = client.post("/participation/results/", {**form, "title": ""})
    assert refused.status_code == 400 and proposal.results.count() == 1
    held = _activity(personas)
    held.status = "held"
    held.save()
    part = {**form, "title": "Texterna", "parent": result.pk, "weight": 2, "proposals": [],
            "activities": [held.pk]}  # fmt: skip
    assert client.post("/participation/results/", part).status_code == 302
    assert [(c.title, c.weight) for c in result.children.all()] == [("Texterna", 2)]
    assert list(held.results.values_list("title", flat=True)) == ["Texterna"]
    assert "Från aktiviteterna: Frågeformulären" in client.get("/participation/results/").text


def test_a_region_facilitator_reports_per_unit_or_for_all(client, personas):
    region = OrganisationFactory(kind="region")
    for unit in (personas.unit, personas.other_unit):
        unit.parent = region
        unit.save()
    facilitator = member(UserFactory(), region, Role.PARTICIPATION_FACILITATOR)
    _proposal(personas.patient, personas.unit)
    _proposal(personas.other_patient, personas.other_unit)
    client.force_login(facilitator)

    def received(query: str) -> str:
        body = client.get(f"/participation/impact/?format=csv{query}").text
        return dict(csv.reader(io.StringIO(body)))["proposals_received"]

    assert received("") == "2"
    assert received(f"&unit={personas.other_unit.pk}") == "1"
    assert client.get(f"/participation/impact/?unit={OrganisationFactory().pk}").status_code == 400

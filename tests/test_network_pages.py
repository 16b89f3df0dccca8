"""The patient's network pages, the e-mail invitation, and a staff member's join request."""

import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from stegvis.access.categories import Category
from stegvis.access.policy import decide
from stegvis.accounts.models import Membership, User
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.network import services
from stegvis.network.models import Consent, MemberStatus, NetworkMember
from stegvis.network.purposes import Purpose, purpose_set
from tests.factories import OrganisationFactory, UserFactory, member, patient_at
from tests.html_checks import duplicate_ids

# What a browser sends when someone new signs up to accept an invitation.
NORA_SIGNS_UP = {
    "email": "nora@example.org", "given_name": "Nora", "family_name": "Chef",
    "password1": "a long passphrase 2026", "password2": "a long passphrase 2026",
}  # fmt: skip


@pytest.fixture
def patient_client(client, personas):
    client.force_login(personas.patient)
    return client


def add_employer(client, personas) -> NetworkMember:
    organisation = personas.employer.memberships.get().organisation
    found = client.get(
        "/network/add/", {"organisation": organisation.pk, "role": Role.EMPLOYER_MANAGER}
    )
    assert personas.employer.full_name in found.content.decode()
    assert duplicate_ids(found.text) == [], "the search and the invitation share field names"
    response = client.post(
        "/network/add/",
        {
            "add": "1",
            "user": personas.employer.pk,
            "organisation": organisation.pk,
            "role": Role.EMPLOYER_MANAGER,
        },
    )
    member = NetworkMember.objects.get(user=personas.employer)
    assert response.url == f"/network/members/{member.pk}/"
    return member


def test_every_purpose_has_its_legal_basis_in_the_data_file():
    rules = purpose_set().rules
    assert set(rules) == set(Purpose.values)
    for rule in rules.values():
        assert rule.legal_reference and rule.source.startswith("https://") and rule.roles


def test_a_patient_finds_their_manager_shares_and_stops_with_one_click_each(
    patient_client, personas
):
    member = add_employer(patient_client, personas)
    page = patient_client.get(f"/network/members/{member.pk}/").content.decode()
    # The employer is never offered a diagnosis.
    assert "capacity:employer_dialogue" in page
    assert "sick_leave:" not in page and "clinical_notes:" not in page

    patient_client.post(f"/network/members/{member.pk}/", {"grant": "capacity:employer_dialogue"})
    assert decide(personas.employer, personas.patient, Category.CAPACITY).allowed
    listing = patient_client.get("/network/").content.decode()
    assert "Work capacity" in listing or "Arbetsförmåga" in listing

    consent = Consent.objects.get()
    patient_client.post(f"/network/members/{member.pk}/", {"withdraw": consent.pk})
    assert not decide(personas.employer, personas.patient, Category.CAPACITY).allowed


def test_a_forged_request_for_a_diagnosis_to_the_employer_is_refused(patient_client, personas):
    member = add_employer(patient_client, personas)
    response = patient_client.post(
        f"/network/members/{member.pk}/", {"grant": "sick_leave:employer_dialogue"}
    )
    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_an_end_date_in_the_past_is_refused_and_nothing_is_shared(patient_client, personas):
    member = add_employer(patient_client, personas)
    response = patient_client.post(
        f"/network/members/{member.pk}/",
        {"grant": "capacity:employer_dialogue", "ends_on": "2001-01-01"},
    )
    assert response.status_code == 400
    assert not Consent.objects.exists()


@pytest.mark.parametrize("persona", ["treating_physician", "employer", "outsider"])
def test_nobody_else_opens_a_patients_network(client, personas, persona):
    member = add_employer_directly(personas)
    client.force_login(personas.get(persona))
    assert client.get(f"/network/members/{member.pk}/").status_code == 404
    assert (
        client.post(
            f"/network/members/{member.pk}/", {"grant": "capacity:employer_dialogue"}
        ).status_code
        == 404
    )


def add_employer_directly(personas) -> NetworkMember:
    membership = personas.employer.memberships.get()
    return services.member_add(
        actor=personas.patient,
        user=personas.employer,
        organisation=membership.organisation,
        role=membership.role,
    )


def test_an_email_invitation_becomes_an_account_of_the_invited_role(
    patient_client, client, personas, django_capture_on_commit_callbacks
):
    organisation = personas.employer.memberships.get().organisation
    # Committed, the invitation's e-mail is sent by a worker (the tests' task backend).
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(
            "/network/add/",
            {
                "invite": "1",
                "name": "Nora Chef",
                "email": "Nora@Example.org",
                "organisation": organisation.pk,
                "role": Role.EMPLOYER_MANAGER,
            },
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["nora@example.org"]
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)

    patient_client.logout()
    page = client.get(link)
    assert page.status_code == 200
    refused = client.post(link, {**NORA_SIGNS_UP, "password1": "short", "password2": "short"})
    assert refused.status_code == 400
    assert "Nora" in refused.content.decode()
    accepted = client.post(link, NORA_SIGNS_UP)
    assert accepted.status_code == 302
    nora = User.objects.get(email="nora@example.org")
    assert Membership.objects.filter(
        user=nora, organisation=organisation, role=Role.EMPLOYER_MANAGER
    ).exists()
    member = NetworkMember.objects.get(user=nora)
    assert member.status == MemberStatus.ACTIVE
    # She is signed in, and is asked for her second factor before anything else.
    assert client.get("/")["Location"].startswith("/accounts/2fa/totp/activate")
    # The link works once.
    assert client.get(link).status_code == 404


def test_the_invitation_email_carries_no_health_data(
    patient_client, personas, django_capture_on_commit_callbacks
):
    organisation = personas.employer.memberships.get().organisation
    with django_capture_on_commit_callbacks(execute=True):
        patient_client.post(
            "/network/add/",
            {
                "invite": "1",
                "name": "Nora",
                "email": "nora@example.org",
                "organisation": organisation.pk,
                "role": Role.EMPLOYER_MANAGER,
            },
        )
    body = mail.outbox[0].body.lower()
    for word in ("diagnos", "sjukskriv", "sick", "f43", "depression"):
        assert word not in body


def _invite_nora(patient_client, personas) -> tuple[str, NetworkMember]:
    """The patient invites Nora, by e-mail, as a manager at her employer: the link, and
    the invitation."""
    organisation = personas.employer.memberships.get().organisation
    # Committed, the invitation's e-mail is sent by a worker (the tests' task backend).
    with TestCase.captureOnCommitCallbacks(execute=True):
        patient_client.post(
            "/network/add/",
            {"invite": "1", "name": "Nora", "email": "nora@example.org",
             "organisation": organisation.pk, "role": Role.EMPLOYER_MANAGER},
        )  # fmt: skip
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    patient_client.logout()
    return link, NetworkMember.objects.get(invited_email="nora@example.org")


def test_someone_else_signed_in_is_refused_an_invitation_and_becomes_nothing(
    patient_client, client, personas
):
    link, invitation = _invite_nora(patient_client, personas)
    stranger = personas.outsider
    client.force_login(stranger)
    for answer in (client.get(link), client.post(link)):
        assert answer.status_code == 403
        assert "Inbjudan är till någon annan" in answer.text
        assert personas.patient.given_name not in answer.text
        assert personas.patient.family_name not in answer.text
    assert not NetworkMember.objects.filter(user=stranger).exists()
    assert not Membership.objects.filter(user=stranger).exists()
    assert not decide(stranger, personas.patient, Category.CAPACITY).allowed
    invitation.refresh_from_db()
    assert (invitation.status, invitation.user) == (MemberStatus.INVITED, None)
    # The patient's log holds the refused attempts, and no read of her name allowed to him.
    tried = AccessEvent.objects.filter(actor=stranger, patient=personas.patient)
    assert set(tried.values_list("outcome", "basis")) == {("denied", "invitation_not_theirs")}
    # The link still works for the person it was sent to.
    client.logout()
    assert client.post(link, NORA_SIGNS_UP).status_code == 302
    assert NetworkMember.objects.get(pk=invitation.pk).user.email == "nora@example.org"


def test_the_invited_address_accepts_once_and_a_second_acceptance_is_refused(
    patient_client, client, personas
):
    link, invitation = _invite_nora(patient_client, personas)
    nora = UserFactory(email="Nora@Example.org")
    client.force_login(nora)
    assert personas.patient.given_name in client.get(link).text
    assert client.post(link).status_code == 302
    invitation.refresh_from_db()
    assert (invitation.status, invitation.user) == (MemberStatus.ACTIVE, nora)
    again = client.post(link)
    assert again.status_code == 404 and "Inbjudan gäller inte längre" in again.text
    assert NetworkMember.objects.filter(user=nora).count() == 1


def test_of_two_acceptances_at_once_only_the_first_counts(patient_client, personas):
    """Two requests that each found the invitation open: the second finds it used up."""
    link, _ = _invite_nora(patient_client, personas)
    token = link.split("/")[2]
    first, second = services.invitation_for_token(token), services.invitation_for_token(token)
    nora = UserFactory(email="nora@example.org")
    services.invitation_accept(member=first, user=nora)
    with pytest.raises(services.InvitationUsed):
        services.invitation_accept(member=second, user=nora)
    accepted = AccessEvent.objects.filter(basis="invitation", action="update")
    assert accepted.count() == 1


def test_signing_up_with_another_address_is_refused_and_keeps_the_input(
    patient_client, client, personas
):
    link, invitation = _invite_nora(patient_client, personas)
    answer = client.post(link, {**NORA_SIGNS_UP, "email": "sara@example.org"})
    assert answer.status_code == 400
    assert "Inbjudan skickades till en annan adress" in answer.text
    assert 'value="Chef"' in answer.text
    assert not User.objects.filter(email__in=["sara@example.org", "nora@example.org"]).exists()
    invitation.refresh_from_db()
    assert invitation.status == MemberStatus.INVITED


def test_a_join_request_reveals_nothing_about_whether_the_patient_exists(client, personas):
    client.force_login(personas.fk_caseworker)
    known = client.post("/network/join/", {"identifier": "patient@example.org"}, follow=True)
    unknown = client.post("/network/join/", {"identifier": "nobody@example.org"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    text = "If the person uses Stegvis"
    assert text in known.content.decode() or "Om personen" in known.content.decode()
    assert NetworkMember.objects.filter(status=MemberStatus.REQUESTED).count() == 1


def test_the_patient_answers_a_join_request_from_their_network_page(client, personas):
    client.force_login(personas.fk_caseworker)
    client.post("/network/join/", {"identifier": "patient@example.org", "message": "Hej"})
    client.force_login(personas.patient)
    page = client.get("/network/").content.decode()
    assert personas.fk_caseworker.full_name in page
    member = NetworkMember.objects.get()
    client.post(f"/network/members/{member.pk}/respond/", {"answer": "decline"})
    member.refresh_from_db()
    assert member.status == MemberStatus.DECLINED


def test_the_network_page_costs_the_same_with_more_members(
    client, personas, django_assert_max_num_queries
):
    def add_members(count: int) -> None:
        for _ in range(count):
            org = OrganisationFactory()
            user = member(UserFactory(), org, Role.COACH)
            added = services.member_add(
                actor=personas.patient, user=user, organisation=org, role=Role.COACH
            )
            services.consent_grant(
                actor=personas.patient, member=added, category="plan", purpose="coordination"
            )

    client.force_login(personas.patient)
    add_members(2)
    with django_assert_max_num_queries(20) as small:
        client.get("/network/")
    add_members(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/network/")


def test_an_employers_caseload_of_consented_employees_has_flat_queries(
    client, personas, django_assert_max_num_queries
):
    membership = personas.employer.memberships.get()

    def share_with_employer(patient):
        added = services.member_add(
            actor=patient,
            user=personas.employer,
            organisation=membership.organisation,
            role=membership.role,
        )
        services.consent_grant(
            actor=patient, member=added, category="identity", purpose="employer_dialogue"
        )

    share_with_employer(personas.patient)
    client.force_login(personas.employer)
    with django_assert_max_num_queries(20) as small:
        page = client.get(reverse("home")).content.decode()
    assert str(personas.patient) in page
    assert str(personas.other_patient) not in page
    for _ in range(10):
        share_with_employer(patient_at(personas.unit))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("home"))


def test_opening_an_invitation_link_is_audited(patient_client, client, personas, events_about):
    organisation = personas.employer.memberships.get().organisation
    # Committed, the invitation's e-mail is sent by a worker (the tests' task backend).
    with TestCase.captureOnCommitCallbacks(execute=True):
        patient_client.post(
            "/network/add/",
            {"invite": "1", "name": "Nora", "email": "nora@example.org",
             "organisation": organisation.pk, "role": Role.EMPLOYER_MANAGER},
        )  # fmt: skip
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[0].body).group(1)
    patient_client.logout()
    before = events_about(personas.patient, basis="invitation", action="view")
    client.get(link)
    assert events_about(personas.patient, basis="invitation", action="view") == before + 1


def test_a_patient_sees_only_their_own_countrys_law_for_a_purpose(patient_client, personas):
    member = add_employer(patient_client, personas)
    page = patient_client.get(f"/network/members/{member.pk}/").text
    assert "SFB 30 kap. 6 §" in page and "rbeidsmiljøloven" not in page
    Case.objects.filter(patient=personas.patient).update(jurisdiction="NO")
    page = patient_client.get(f"/network/members/{member.pk}/").text
    assert "Arbeidsmiljøloven § 4-6" in page and "SFB 30 kap. 6 §" not in page


def test_the_invitation_leaves_through_the_outbox_after_the_commit(patient_client, personas):
    """Nothing is sent inside the request: the e-mail waits on the outbox, addressed to
    someone with no account, until a worker sends it; asking again makes the first link
    stop working."""
    from stegvis.notifications.models import DeliveryStatus, OutboxKind, OutboxMessage
    from stegvis.notifications.outbox import outbox_dispatch

    organisation = personas.employer.memberships.get().organisation
    invite = {"invite": "1", "name": "Nora", "email": "nora@example.org",
              "organisation": organisation.pk, "role": Role.EMPLOYER_MANAGER}  # fmt: skip
    assert patient_client.post("/network/add/", invite).status_code == 302
    assert mail.outbox == []
    (queued,) = OutboxMessage.objects.filter(kind=OutboxKind.NETWORK_INVITATION)
    assert (queued.recipient_id, queued.address) == (None, "nora@example.org")
    assert outbox_dispatch() == 1
    first = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[0].body).group(1)
    queued.refresh_from_db()
    assert queued.status == DeliveryStatus.SENT
    patient_client.post("/network/add/", invite)
    outbox_dispatch()
    second = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[1].body).group(1)
    patient_client.logout()
    assert patient_client.get(first).status_code == 404
    assert patient_client.get(second).status_code == 200
    assert NetworkMember.objects.filter(invited_email="nora@example.org").count() == 1

"""Norway for real: a Norwegian case meets Norway's law, Nav and Norway's own names, never
Sweden's (issue 34)."""

import importlib
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone, translation
from pydantic import ValidationError

from stegvis.access.categories import Category
from stegvis.access.helpers import get_case_for
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.cases import validation
from stegvis.cases.models import PeriodActivity
from stegvis.network import services as network
from stegvis.network.models import Consent
from stegvis.network.purposes import Purpose, PurposeRule, purpose_set, purposes_for
from tests.factories import OrganisationFactory, UserFactory, member
from tests.norway import SWEDISH_WORDS, build_norway


@pytest.fixture
def norway(db):
    return build_norway()


def nb_page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 200, url
    return response.text


def swedish_words_in(text: str) -> list[str]:
    return [word for word in SWEDISH_WORDS if word in text]


def add_to_network(patient, user):
    membership = user.memberships.get()
    return network.member_add(
        actor=patient, user=user, organisation=membership.organisation, role=membership.role
    )


def share(patient, user, purpose, *categories):
    """`patient` lets `user` (added to the network if need be) see `categories`."""
    member_ = add_to_network(patient, user)
    for category in categories:
        network.consent_grant(actor=patient, member=member_, category=category, purpose=purpose)


def test_each_country_is_offered_only_its_own_purposes():
    for role in (Role.INSURANCE_CASEWORKER, Role.PHYSICIAN, Role.EMPLOYER_MANAGER):
        norwegian = {rule.code for rule in purposes_for(role, "NO")}
        swedish = {rule.code for rule in purposes_for(role, "SE")}
        assert not norwegian & {Purpose.FK_INFORMATION, Purpose.SIP}
        assert not swedish & {Purpose.NAV_INFORMATION, Purpose.INDIVIDUAL_PLAN}
    assert {r.code for r in purposes_for(Role.INSURANCE_CASEWORKER, "NO")} == {
        Purpose.NAV_INFORMATION, Purpose.INDIVIDUAL_PLAN,
    }  # fmt: skip
    assert Purpose.INDIVIDUAL_PLAN in {r.code for r in purposes_for(Role.PHYSICIAN, "NO")}


def test_a_purpose_of_both_countries_names_each_countrys_law():
    for rule in purpose_set().rules.values():
        for country in rule.countries:
            reference = rule.legal_reference_for(country)
            assert reference and rule.source_for(country).startswith("https://")
            if country == "NO":
                assert not swedish_words_in(reference), (rule.code, reference)
                assert "lovdata.no" in rule.source_for("NO")
    shared = purpose_set().rules[Purpose.EMPLOYER_DIALOGUE].model_dump()
    with pytest.raises(ValidationError, match="names Norway's law"):
        PurposeRule(**{**shared, "legal_reference_no": "", "source_no": ""})


def test_olas_sharing_with_nav_is_titled_and_grounded_in_norwegian_law(client, norway):
    member_ = add_to_network(norway.ola, norway.veileder)
    page = nb_page(client, norway.ola, f"/network/members/{member_.pk}/")
    assert "Informasjon til Nav" in page
    assert "Folketrygdloven" in page and "Individuell plan" in page
    assert swedish_words_in(page) == []


def test_a_swedish_purpose_is_refused_on_a_norwegian_case(norway):
    member_ = add_to_network(norway.ola, norway.veileder)
    with translation.override("en"), pytest.raises(network.ConsentNotAllowed, match="another"):
        network.consent_grant(
            actor=norway.ola, member=member_, category=Category.CAPACITY,
            purpose=Purpose.FK_INFORMATION,
        )  # fmt: skip
    granted = network.consent_grant(
        actor=norway.ola, member=member_, category=Category.CAPACITY,
        purpose=Purpose.NAV_INFORMATION,
    )  # fmt: skip
    assert granted.purpose == Purpose.NAV_INFORMATION


def test_ola_is_offered_norwegian_organisations_only_when_he_adds_to_his_network(client, norway):
    fk = OrganisationFactory(name="Försäkringskassan Göteborg", kind=OrganisationKind.FK_OFFICE)
    member(UserFactory(), fk, Role.INSURANCE_CASEWORKER)
    page = nb_page(client, norway.ola, "/network/add/")
    assert "Nav Fjellvik" in page and "Fjellvik Bakeri AS" in page
    assert "Försäkringskassan" not in page


def test_nav_and_the_nearest_manager_are_called_what_they_are_in_norway(client, norway):
    add_to_network(norway.ola, norway.veileder)
    add_to_network(norway.ola, norway.leder)
    page = nb_page(client, norway.ola, "/network/")
    assert "Veileder i Nav" in page and "Nærmeste leder" in page
    assert "trygdeetaten" not in page


def test_norwegian_consents_given_under_swedish_codes_move_to_norways_purposes(norway):
    migration = importlib.import_module("stegvis.network.migrations.0003_purposes_per_country")
    member_ = add_to_network(norway.ola, norway.veileder)
    old = Consent.objects.create(
        member=member_, patient=norway.ola, role=member_.role, category=Category.CAPACITY,
        purpose=Purpose.FK_INFORMATION, granted_by=norway.ola,
    )  # fmt: skip
    migration.norwegian_consents_take_norways_purposes(apps, None)
    old.refresh_from_db()
    assert old.purpose == Purpose.NAV_INFORMATION


def test_a_norwegian_certificate_takes_only_codes_of_norways_lists():
    with translation.override("en"):
        assert validation.diagnosis_errors("NO", "icd10", "F32.1") == {}
        assert validation.diagnosis_errors("NO", "icpc2", "P76") == {}
        for swedish_only in ("F43.8A", "F32"):
            assert "Norway's" in validation.diagnosis_errors("NO", "icd10", swedish_only)["code"][0]
        assert validation.diagnosis_errors("SE", "icd10", "F43.8A") == {}


# ---- The sykmelding (point 2), and Norway's guidance in place of FMB (point 3) ----

NOW = "2026-11-02 09:00 +0100"  # a Monday; Ola has been sick-listed for 26 days


@pytest.fixture
def frozen_norway(db):
    with time_machine.travel(NOW, tick=False):
        yield build_norway()


def on(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def sykmelding_form(**changes) -> dict:
    data = {
        "client_token": str(uuid.uuid4()),
        "diagnosis-TOTAL_FORMS": "3",
        "diagnosis-INITIAL_FORMS": "0",
        "diagnosis-0-system": "icpc2",
        "diagnosis-0-code": "L03",
        "diagnosis-0-text": "Korsryggsmerter",
        "diagnosis-1-system": "icpc2",
        "diagnosis-2-system": "icpc2",
        "period-TOTAL_FORMS": "3",
        "period-INITIAL_FORMS": "0",
        "period-0-activity": "graded",
        "period-0-degree": "50",
        "period-0-starts_on": on(0),
        "period-0-ends_on": on(13),
        "no_employer": "one",
        "no_employer_name": "Fjellvik Bakeri AS",
        "occupation_text": "Baker",
        "examined_on": on(0),
        "employer_note": "Kan jobbe formiddager med lettere løft.",
    }
    data.update(changes)
    return data


def write_sykmelding(client, norway, **changes):
    client.force_login(norway.fastlege)
    return client.post(
        f"/cases/{norway.case.pk}/certificates/new/",
        sykmelding_form(**changes),
        HTTP_ACCEPT_LANGUAGE="nb",
    )


def test_the_fastlege_writes_a_sykmelding_shaped_as_navs(client, frozen_norway):
    with time_machine.travel(NOW, tick=False):
        form = nb_page(
            client, frozen_norway.fastlege, f"/cases/{frozen_norway.case.pk}/certificates/new/"
        )
        for words in ("Annen lovfestet fraværsgrunn", "Avventende", "Reisetilskudd",
                      "Behandlingsdager", "Aktivitet ikke mulig", "Melding til Nav",
                      "Innspill til arbeidsgiver", "skjermes", "Tiltak som kan bedre arbeidsevnen",
                      "Opplysninger ved vurdering av aktivitetskravet (uke 7)",
                      "Veiledning for sykmeldere", "Skriv sykmelding"):  # fmt: skip
            assert words in form, words
        assert "Erklæring" not in form and swedish_words_in(form) == []
        response = write_sykmelding(client, frozen_norway)
        assert response.status_code == 302, response.text
        certificate = frozen_norway.case.certificates.get()
        [period] = certificate.periods.all()
        assert (period.activity, period.degree) == (PeriodActivity.GRADED, 50)
        assert certificate.no_employer_name == "Fjellvik Bakeri AS"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"period-0-degree": "10"}, "degree", "En gradert sykmelding er fra 20 til 99 %."),
        ({"period-0-activity": "waiting", "period-0-ends_on": on(19)}, "ends_on",
         "En avventende sykmelding varer høyst 16 dager."),
        ({"period-0-activity": "waiting"}, "employer_input", "innspill til arbeidsgiver"),
        ({"period-0-activity": "treatment_days"}, "treatment_days",
         "Oppgi behandlingsdager i perioden"),
        ({"period-0-activity": "no_activity", "period-0-ends_on": on(40)}, "medical_reasons",
         "Fra uke 8 gjelder aktivitetskravet"),
        ({"period-0-activity": "no_activity", "period-0-medical_reasons": ["9"]},
         "medical_reason_text", "«annet»"),
    ],
)  # fmt: skip
def test_each_of_navs_rules_refuses_by_naming_the_field_in_bokmal(
    client, frozen_norway, changes, field, message
):
    with time_machine.travel(NOW, tick=False):
        response = write_sykmelding(client, frozen_norway, **changes)
    assert response.status_code == 200
    errors = response.context["forms"].periods.forms[0].errors
    assert message in " ".join(errors[field]), errors
    # The doctor's text is kept on the refused form.
    assert "Kan jobbe formiddager med lettere løft." in response.text
    assert not frozen_norway.case.certificates.exists()


def test_nav_asks_its_week_7_questions_before_the_sykmelding_is_signed(client, frozen_norway):
    with time_machine.travel(NOW, tick=False):
        # Ola's sick leave reaches week 7 inside this period: Nav's questions are due.
        write_sykmelding(client, frozen_norway, **{"period-0-ends_on": on(30)})
        certificate = frozen_norway.case.certificates.get()
        refused = client.post(f"/certificates/{certificate.pk}/sign/", HTTP_ACCEPT_LANGUAGE="nb")
        assert refused.status_code == 422
        assert "Nav ber om utdypende opplysninger ved uke 7: svar på 6.3.1, 6.3.2." in refused.text
        certificate.no_answers = {"6.3.1": "Smerter i korsryggen.", "6.3.2": "Fysioterapi."}
        certificate.save()
        signed = client.post(f"/certificates/{certificate.pk}/sign/")
    assert signed.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_signed


def test_a_norwegian_case_shows_norways_guidance_never_fmb(client, frozen_norway):
    with time_machine.travel(NOW, tick=False):
        write_sykmelding(client, frozen_norway, **{
            "diagnosis-0-system": "icd10", "diagnosis-0-code": "F32.1",
            "period-0-ends_on": on(40),
        })  # fmt: skip
        certificate = frozen_norway.case.certificates.get()
        page = nb_page(client, frozen_norway.fastlege, f"/certificates/{certificate.pk}/")
    # F32.1 has typical cases in Sweden's FMB; a Norwegian case never shows them.
    assert "Veiledning for sykmeldere" in page and "Aktivitetskravet ved 8 uker" in page
    assert "helsedirektoratet.no" in page and "lovdata.no" in page
    assert "FMB" not in page and "Socialstyrelsen" not in page and "typisk" not in page


def test_the_employer_copy_shows_the_workplace_but_never_the_medical_reasons(client, frozen_norway):
    with time_machine.travel(NOW, tick=False):
        write_sykmelding(client, frozen_norway, **{
            "period-0-activity": "no_activity",
            "period-0-medical_reasons": ["1"],
            "period-0-medical_reason_text": "Sterke smerter ved løft.",
            "period-0-workplace_reasons": ["1"],
            "period-0-workplace_reason_text": "Ingen lette oppgaver i bakeriet nå.",
        })  # fmt: skip
        certificate = frozen_norway.case.certificates.get()
        client.post(f"/certificates/{certificate.pk}/sign/")
        add_to_network(frozen_norway.ola, frozen_norway.leder)
        member_ = frozen_norway.ola.network.get(user=frozen_norway.leder)
        network.consent_grant(
            actor=frozen_norway.ola, member=member_, category=Category.CAPACITY,
            purpose=Purpose.EMPLOYER_DIALOGUE,
        )  # fmt: skip
        copy = nb_page(
            client, frozen_norway.leder, f"/certificates/{certificate.pk}/employer-copy/"
        )
    assert "Aktivitet ikke mulig" in copy and "Ingen lette oppgaver i bakeriet nå." in copy
    assert "Manglende tilrettelegging på arbeidsplassen" in copy
    for medical in ("L03", "Korsrygg", "Sterke smerter", "Helsetilstanden hindrer"):
        assert medical not in copy


def test_a_sykmelding_marked_skjermes_shows_the_patient_no_medical_details(client, frozen_norway):
    with time_machine.travel(NOW, tick=False):
        write_sykmelding(
            client, frozen_norway, no_screened_from_patient="on", no_pregnancy_related="on",
            no_nav_assistance="on", no_nav_assistance_text="Trenger arbeidsrettet bistand nå.",
        )  # fmt: skip
        certificate = frozen_norway.case.certificates.get()
        client.post(f"/certificates/{certificate.pk}/sign/")
        page = nb_page(client, frozen_norway.ola, f"/certificates/{certificate.pk}/")
        listed = nb_page(client, frozen_norway.ola, f"/cases/{frozen_norway.case.pk}/certificates/")
        api = client.get(f"/api/v1/certificates/{certificate.pk}").json()
        fhir = client.get(
            f"/fhir/Condition?patient={frozen_norway.ola.pk}", HTTP_ACCEPT="application/fhir+json"
        ).json()
        doctor = nb_page(client, frozen_norway.fastlege, f"/certificates/{certificate.pk}/")
        doctors_fhir = client.get(
            f"/fhir/Condition?patient={frozen_norway.ola.pk}", HTTP_ACCEPT="application/fhir+json"
        ).json()
    for hidden in ("L03", "Korsrygg", "Svangerskapsrelatert", "Trenger arbeidsrettet bistand"):
        assert hidden not in page, hidden
    assert "skjermet" in page and "Kan jobbe formiddager" in page
    assert "L03" not in listed and "Skjermet av legen" in listed
    assert api["diagnoses"] == [] and api["no_nav_assistance_text"] == ""
    assert api["no_pregnancy_related"] is False
    assert fhir["resourceType"] == "Bundle" and fhir["total"] == 0
    assert "L03" in doctor and "Trenger arbeidsrettet bistand" in doctor
    assert doctors_fhir["total"] == 1


def test_skjermes_belongs_to_the_sykmelding_not_to_a_swedish_certificate(personas, case):
    from stegvis.cases.rules import medical_details_withheld

    certificate = case.certificates.create(
        kind="fk7804", created_by=personas.treating_physician, no_screened_from_patient=True
    )
    assert not medical_details_withheld(personas.patient, certificate)


def test_no_activity_past_week_8_needs_a_medical_reason_when_signed_counting_the_chain(
    client, frozen_norway
):
    """An earlier sykmelding counts: a later one, short itself, passes week 8."""
    from stegvis.cases.services import (
        CertificateContent,
        CertificateIncomplete,
        certificate_create,
        certificate_sign,
    )

    case, physician = frozen_norway.case, frozen_norway.fastlege
    with time_machine.travel(NOW, tick=False):
        base = {"examined_on": timezone.localdate(), "no_employer": "none"}
        sick_from = case.sick_from
        first = certificate_create(actor=physician, case=case, content=CertificateContent(
            fields=base, diagnoses=[("icpc2", "L03", "")],
            periods=[(100, sick_from, sick_from + timedelta(days=48), {"activity": "no_activity",
                                                                       "medical_reasons": ["1"]})],
        ))  # fmt: skip
        # Nav's week-7 questions are due on the first: it is left a draft.
        with pytest.raises(CertificateIncomplete) as refused_first:
            certificate_sign(actor=physician, certificate=first)
        assert "no_answers" in refused_first.value.errors
        # Without sick_from, the form's own count would start at the period: the check at
        # signing counts from day 1 of the chain.
        case.sick_from = None
        case.save()
        later = certificate_create(actor=physician, case=case, content=CertificateContent(
            fields=base, diagnoses=[("icpc2", "L03", "")],
            periods=[(100, sick_from + timedelta(days=49), sick_from + timedelta(days=62),
                      {"activity": "no_activity"})],
        ))  # fmt: skip
        client.force_login(physician)
        refused = client.post(f"/certificates/{later.pk}/sign/", HTTP_ACCEPT_LANGUAGE="nb")
    assert refused.status_code == 422
    assert "Fra uke 8 gjelder aktivitetskravet" in refused.text


def test_treatment_days_are_counted_in_the_period_one_a_week(client, frozen_norway):
    with time_machine.travel(NOW, tick=False):
        two_weeks = {"period-0-activity": "treatment_days", "period-0-ends_on": on(13)}
        refused = write_sykmelding(client, frozen_norway, **two_weeks, **{
            "period-0-treatment_days": "3"})  # fmt: skip
        accepted = write_sykmelding(client, frozen_norway, **two_weeks, **{
            "period-0-treatment_days": "2", "period-0-employer_input": "Kastes"})  # fmt: skip
    assert "fra 1 til 2" in " ".join(
        refused.context["forms"].periods.forms[0].errors["treatment_days"]
    )
    assert accepted.status_code == 302
    [period] = frozen_norway.case.certificates.get().periods.all()
    assert (period.treatment_days, period.degree) == (2, 0)
    assert period.employer_input == "", "what belongs to another activity is not kept"


def test_a_swedish_certificate_through_the_api_keeps_no_norwegian_field(client, personas, case):
    client.force_login(personas.treating_physician)
    body = {
        "diagnoses": [{"code": "F32.1"}], "periods": [{"degree": 50, "from": on(0), "to": on(6)}],
        "examined_on": on(0), "no_nav_assistance_text": "Skal ikke lagres", "no_answers": {},
    }  # fmt: skip
    made = client.post(
        f"/api/v1/cases/{case.pk}/certificates", body, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert made.json()["no_nav_assistance_text"] == ""
    assert made.json()["assessment"]["questions_due"] == []


def test_the_fastlege_may_decline_dialogue_meeting_1_and_nina_sees_it(client, frozen_norway):
    from stegvis.access.categories import Action
    from stegvis.coordination.meetings.services import meeting_cancel, meeting_schedule

    n = frozen_norway
    share(n.ola, n.leder, Purpose.EMPLOYER_DIALOGUE, Category.CAPACITY, Category.MEETINGS)
    # Nav may see Ola's meetings but is not invited to this one.
    share(n.ola, n.veileder, Purpose.NAV_INFORMATION, Category.MEETINGS)
    note = "Har pasientkonsultasjoner; send referat."
    with time_machine.travel(NOW, tick=False):
        case = get_case_for(n.leder, n.case.pk, category=Category.MEETINGS, action=Action.CREATE)
        meeting = meeting_schedule(
            actor=n.leder, case=case, kind="dialogue_meeting_1",
            starts_at=timezone.now() + timedelta(days=7), participants=[n.fastlege],
        )  # fmt: skip
        respond = f"/meetings/{meeting.pk}/respond/"
        client.force_login(n.fastlege)
        assert "Kommer du?" in client.get(f"/meetings/{meeting.pk}/").text
        # No answer chosen: refused, and the note is kept on the form.
        refused = client.post(respond, {"note": note})
        assert refused.status_code == 422 and note in refused.text
        answered = client.post(respond, {"response": "declined", "note": note})
        assert answered.status_code == 302
        organiser = nb_page(client, n.leder, f"/meetings/{meeting.pk}/")
        # Only the invited answer: not the organiser, not Nav (not invited), not Ola.
        statuses = {}
        for person in (n.leder, n.veileder, n.ola):
            client.force_login(person)
            statuses[person.email] = client.post(respond, {"response": "accepted"}).status_code
        # The patient reads that the fastlege declines, not why.
        patient_page = client.get(f"/meetings/{meeting.pk}/").text
        meeting_cancel(actor=n.leder, meeting=meeting, revision=meeting.revision)
        client.force_login(n.fastlege)
        client.post(respond, {"response": "accepted"})
    assert note in organiser and "Jeg kan ikke komme" in organiser
    assert statuses == {n.leder.email: 403, n.veileder.email: 404, n.ola.email: 403}
    assert "Jeg kan ikke komme" in patient_page and note not in patient_page
    seat = meeting.participants.get(user=n.fastlege)
    assert seat.response == "declined", "a cancelled meeting takes no more answers"


def test_the_completed_follow_up_plan_is_sent_to_the_fastlege_and_nav_once(frozen_norway):
    from stegvis.cases.services import milestone_complete
    from stegvis.notifications.models import Notification
    from stegvis.plans import selectors as plan_selectors
    from stegvis.plans import services as plans
    from stegvis.plans.employer_points import employer_plan_rules

    n = frozen_norway
    share(n.ola, n.leder, Purpose.EMPLOYER_DIALOGUE, Category.CAPACITY)
    share(n.ola, n.veileder, Purpose.NAV_INFORMATION, Category.CAPACITY)
    # A physician at another unit, whom Ola has not let in, is never told.
    other = member(UserFactory(), OrganisationFactory(jurisdiction="NO"), Role.PHYSICIAN)

    def told():
        return sorted(
            Notification.objects.filter(kind="plan_sent").values_list("recipient_id", flat=True)
        )

    with time_machine.travel(NOW, tick=False):
        case = get_case_for(n.leder, n.case.pk, category=Category.CAPACITY)
        # Marked done by hand before any plan is written: nothing is sent.
        milestone_complete(actor=n.leder, case=case, code="followup_plan")
        assert told() == []
        plan = plans.employer_plan_save(
            actor=n.leder, plan=plan_selectors.employer_plan_of(case), base_revision=0,
            follow_up_on=None,
            answers={p.code: "Avtalt i samtale med Ola." for p in employer_plan_rules("NO").points},
        )  # fmt: skip
        plans.employer_plan_complete(actor=n.leder, plan=plan)
        plans.employer_plan_complete(actor=n.leder, plan=plan)
    assert told() == sorted([n.fastlege.pk, n.veileder.pk])
    assert other.pk not in told()
    assert employer_plan_rules("SE").sent_to == (), "in Sweden the plan is sent nowhere by itself"


def test_a_consent_under_another_countrys_purpose_can_still_be_withdrawn(client, frozen_norway):
    n = frozen_norway
    member_ = add_to_network(n.ola, n.veileder)
    old = Consent.objects.create(
        member=member_, patient=n.ola, role=member_.role, category=Category.CAPACITY,
        purpose=Purpose.FK_INFORMATION, granted_by=n.ola,
    )  # fmt: skip
    page = nb_page(client, n.ola, f"/network/members/{member_.pk}/")
    assert "Informasjon til Försäkringskassan" in page and "Slutt å dele" in page
    client.post(f"/network/members/{member_.pk}/", {"withdraw": old.pk})
    old.refresh_from_db()
    assert old.withdrawn_at is not None


def test_bokmal_writes_every_date_one_way(settings):
    from django.template import Context, Template

    with translation.override("nb"):
        rendered = Template('{{ d|date:"DATE_FORMAT" }} / {{ d|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"d": timezone.datetime(2026, 11, 8).date()})
        )
    assert rendered == "8. november 2026 / 8. november 2026"


def test_questionnaire_titles_are_in_bokmal_while_their_items_keep_their_validated_words():
    from stegvis.instruments.definitions import instrument

    phq9 = instrument("phq9")
    with translation.override("nb"):
        assert str(phq9.title) == "PHQ-9: nedstemthet de siste to ukene"
        assert str(phq9.items[0].text) == phq9.items[0].text.en


def test_a_fastlege_is_not_measured_against_swedish_guidance(client, norway):
    page = nb_page(client, norway.fastlege, "/insights/variation/")
    assert "Norge publiserer ingen slike varigheter" in page
    assert swedish_words_in(page) == []


def test_ola_looks_for_nav_by_the_name_it_has_in_norway(client, norway):
    page = nb_page(client, norway.ola, "/network/add/")
    assert "Veileder i Nav" in page and "Nærmeste leder" in page
    # Read in Swedish, the roles are still Norway's.
    norway.ola.preferred_language = "sv"
    norway.ola.save()
    swedish = client.get("/network/add/").text
    assert '<html lang="sv">' in swedish and "Handläggare på Nav" in swedish
    assert "Försäkringskassan" not in swedish and "Arbetsförmedlingen" not in swedish

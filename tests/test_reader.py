"""The reader: one per request, deciding once per patient, category and action, capped at
the credential's scopes, applying only declared rules; and the printable rule table."""

import io
from dataclasses import replace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_record_for
from stegvis.access.reader import Reader, ReaderMiddleware
from stegvis.access.rules import RECORDS, RULES, SCOPES, Rule
from stegvis.accounts.models import PersonalAccessToken, TokenScope
from stegvis.network import services as network
from stegvis.network.purposes import Purpose


def _in_request(user, scenario, token=None):
    """Run `scenario(reader)` inside a request of `user`, through the real middleware."""
    request = RequestFactory().get("/")
    request.user = user
    if token is not None:
        request.token = token
    found = {}

    def view(request):
        found["result"] = scenario(request.reader)
        return HttpResponse()

    ReaderMiddleware(view)(request)
    return found["result"]


def test_a_request_asks_the_policy_once_per_patient_category_and_action(personas, case):
    def twice(reader):
        with CaptureQueriesContext(connection) as first:
            one = reader.decide(personas.patient, Category.PLAN)
        with CaptureQueriesContext(connection) as again:
            two = reader.decide(personas.patient, Category.PLAN)
        with CaptureQueriesContext(connection) as other:
            reader.decide(personas.patient, Category.MEETINGS)
        return one, two, len(first), len(again), len(other)

    one, two, first, again, other = _in_request(personas.treating_physician, twice)
    assert one == two and one.allowed
    assert first > 0 and again == 0
    # Another category is decided again, from the care relationships already read.
    assert other == 0


def test_a_care_relationship_made_in_the_request_counts_at_once(personas, case):
    """The care relationships read for one decision are forgotten with the decisions when
    a write ends: the colleague who establishes one reaches the patient in the same request."""
    from stegvis.access import care
    from stegvis.access.models import CareReason
    from stegvis.accounts.roles import Role
    from tests.factories import UserFactory, member

    colleague = member(UserFactory(), personas.unit, Role.PHYSICIAN)
    membership = colleague.memberships.get()

    def establish_between(reader):
        before = reader.decide(personas.patient, Category.PLAN)
        care.establish(
            actor=colleague,
            membership=membership,
            patient=personas.patient,
            reason=CareReason.COVERING,
            reason_text="Covering today.",
            hours=4,
        )
        return before, reader.decide(personas.patient, Category.MEETINGS)

    before, after = _in_request(colleague, establish_between)
    assert not before.allowed and after.allowed and after.basis == "care:established"


def test_a_write_makes_the_reader_ask_again(personas, case):
    member = personas.with_consent(personas.employer, [Category.PLAN], Purpose.EMPLOYER_DIALOGUE)

    def withdraw_between(reader):
        before = reader.decide(personas.patient, Category.PLAN)
        consent = member.consents.get()
        network.consent_withdraw(actor=personas.patient, consent=consent)
        return before, reader.decide(personas.patient, Category.PLAN)

    before, after = _in_request(personas.employer, withdraw_between)
    assert before.allowed and not after.allowed


def test_a_read_only_token_reaches_no_write_whatever_the_policy_allows(personas, case):
    token, _raw = PersonalAccessToken.issue(
        user=personas.treating_physician, name="read", scope=TokenScope.READ, days=1
    )

    def write_and_read(reader):
        return (
            reader.decide(personas.patient, Category.PLAN, Action.UPDATE),
            reader.decide(personas.patient, Category.PLAN, Action.VIEW),
        )

    write, read = _in_request(personas.treating_physician, write_and_read, token)
    assert (write.allowed, write.basis) == (False, "scope_not_granted")
    assert read.allowed
    token.scope = TokenScope.WRITE
    write, _read = _in_request(personas.treating_physician, write_and_read, token)
    assert write.allowed


def test_outside_a_request_each_reader_remembers_only_its_own(personas, case):
    reader = Reader(personas.treating_physician)
    assert reader.decide(personas.patient, Category.PLAN).allowed
    with CaptureQueriesContext(connection) as fresh:
        Reader(personas.treating_physician).decide(personas.patient, Category.PLAN)
    assert len(fresh) > 0


def test_the_helpers_apply_only_declared_rules(personas, case):
    declared = RULES["cases.certifiers"]
    assert get_case_for(personas.treating_physician, case.pk, category=Category.PLAN,
                        checks=[declared])  # fmt: skip
    # The same test written beside a view, not declared: refused before it is asked.
    undeclared = Rule("cases.certifiers", declared.says, lambda *a: True, "role_not_permitted")
    with pytest.raises(ImproperlyConfigured):
        get_case_for(personas.treating_physician, case.pk, category=Category.PLAN,
                     checks=[undeclared])  # fmt: skip


def test_the_helpers_resolve_only_declared_records(personas, case):
    from stegvis.cases.models import Certificate
    from stegvis.cases.rules import CERTIFICATE

    certificate = Certificate.objects.create(
        case=case, kind="fk7804", created_by=personas.treating_physician
    )
    found = get_record_for(personas.treating_physician, CERTIFICATE, certificate.pk)
    assert found.access_decision.basis == "care:named"
    # The same record written beside a view, looking in rows of its own: refused before
    # it is looked for.
    planted = replace(CERTIFICATE, rows=lambda user: Certificate.objects.all())
    with pytest.raises(ImproperlyConfigured):
        get_record_for(personas.treating_physician, planted, certificate.pk)
    # Nor is a record read as a category it does not declare (a certificate as capacity
    # would reach an employer).
    with pytest.raises(ImproperlyConfigured):
        get_record_for(personas.employer, CERTIFICATE, certificate.pk, category="capacity")


def test_a_units_record_is_refused_and_recorded_for_anyone_not_on_its_staff(personas):
    from stegvis.audit.models import AccessEvent
    from stegvis.programs.models import Team
    from stegvis.programs.rules import TEAM

    team = Team.objects.create(
        organisation=personas.unit, name="Smärtteamet", lead=personas.treating_physician
    )
    assert get_record_for(personas.coordinator, TEAM, team.pk) == team
    with pytest.raises(Http404):
        get_record_for(personas.employer, TEAM, team.pk)
    refusal = AccessEvent.objects.latest("pk")
    assert (refusal.actor, refusal.outcome, refusal.basis, refusal.object_type) == (
        personas.employer, "denied", "not_unit_staff", "mmr_team"
    )  # fmt: skip
    # A unit's record is only read: a rule or an action given with it is a mistake.
    with pytest.raises(ImproperlyConfigured):
        get_record_for(personas.coordinator, TEAM, team.pk, action="update")


def test_the_rule_table_prints_every_rule_of_every_app():
    output = io.StringIO()
    call_command("access", "rules", stdout=output)
    printed = output.getvalue()
    # Each app's rules module was found at start-up, not only those some test imported.
    apps = {name.split(".")[0] for name in RULES}
    assert {"access", "cases", "coaching", "coordination", "instruments", "plans"} <= apps
    for name, rule in RULES.items():
        assert name in printed and rule.says in printed
    assert "employer_manager             identity, capacity, plan, messages, meetings" in printed
    # The scopes the apps declare (participation, insights) are in the same table.
    assert {"participation.scope", "insights.scope"} <= set(SCOPES)
    for name, scope in SCOPES.items():
        assert name in printed and scope.says in printed
    # So are the kinds of record each app resolves by id, with the rules each applies.
    apps = {name.split(".")[0] for name in RECORDS}
    assert {"cases", "coaching", "coordination", "instruments", "network", "plans",
            "programs"} <= apps  # fmt: skip
    for name, record in RECORDS.items():
        assert name in printed and record.says in printed
    assert "[access.care_team_only]" in printed


def test_a_scope_is_worked_out_once_per_request_and_again_after_a_write(personas, case):
    from stegvis.access.participation import participation_scope

    def twice(reader):
        with CaptureQueriesContext(connection) as first:
            one = participation_scope(personas.patient)
        with CaptureQueriesContext(connection) as again:
            two = participation_scope(personas.patient)
        reader.forget()  # as a write through audit.atomic does
        with CaptureQueriesContext(connection) as after:
            participation_scope(personas.patient)
        return one, two, len(first), len(again), len(after)

    one, two, first, again, after = _in_request(personas.patient, twice)
    assert one == two and one.kind == "patient" and personas.unit.pk in one.units
    assert first > 0 and again == 0 and after > 0


def test_an_undeclared_scope_is_refused():
    with pytest.raises(ImproperlyConfigured):
        Reader().scope("nowhere.scope")


def test_a_write_undone_leaves_no_decision_behind(personas, case):
    """A consent granted and then undone with its transaction allows nothing afterwards,
    though the reader was asked while it stood."""
    from stegvis.audit import audit

    def grant_then_fail(reader):
        member = network.member_add(actor=personas.patient, user=personas.employer,
                                    organisation=personas.employer.memberships.get()
                                    .organisation, role=personas.employer.memberships.get()
                                    .role)  # fmt: skip
        during = None
        try:
            with audit.atomic():
                network.consent_grant(actor=personas.patient, member=member,
                                      category=Category.PLAN,
                                      purpose=Purpose.EMPLOYER_DIALOGUE)  # fmt: skip
                during = reader.decide(personas.patient, Category.PLAN)
                raise RuntimeError("the rest of the write failed")
        except RuntimeError:
            pass
        return during, reader.decide(personas.patient, Category.PLAN)

    during, after = _in_request(personas.employer, grant_then_fail)
    assert during.allowed and not after.allowed


def test_a_write_inside_another_makes_the_reader_ask_again(personas, case):
    from stegvis.audit import audit

    member = personas.with_consent(personas.employer, [Category.PLAN], Purpose.EMPLOYER_DIALOGUE)

    def withdraw_within(reader):
        with audit.atomic():
            before = reader.decide(personas.patient, Category.PLAN)
            network.consent_withdraw(actor=personas.patient, consent=member.consents.get())
            return before, reader.decide(personas.patient, Category.PLAN)

    before, after = _in_request(personas.employer, withdraw_within)
    assert before.allowed and not after.allowed

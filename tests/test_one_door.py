"""One audited door: each decision recorded once with its real outcome, object rules as
checks of the policy, and a write's audit events committed with it, the chain's lock last."""

import ast
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import stegvis
from stegvis.access.categories import Category
from stegvis.access.helpers import get_case_for, get_patient_for, shared_with
from stegvis.access.models import CareRelationship
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.audit.models import AccessEvent
from stegvis.cases import services as cases
from stegvis.cases.models import Case
from stegvis.coaching.flags.services import flag_raise
from stegvis.coordination.meetings.services import meeting_schedule
from stegvis.coordination.tasks.services import task_create
from stegvis.core.errors import NotAllowed
from stegvis.network.purposes import Purpose
from tests.factories import UserFactory, member, patient_at

ROOT = Path(stegvis.__file__).parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_module_outside_access_imports_the_policys_decide():
    importers = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path.parts[len(ROOT.parts)] != "access"
        and "stegvis.access.policy.decide" in _imports(path)
    ]
    assert importers == []


def test_nothing_outside_access_resolves_an_object_but_as_a_declared_record():
    """Each kind of record a page or operation resolves by id is declared by its app
    (stegvis.access.rules.declare_record) and printed in the rule table; none is assembled
    beside a view from a queryset, a category and a patient field of its own."""
    assembling = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path.parts[len(ROOT.parts)] != "access"
        and "get_object_for" in path.read_text(encoding="utf-8")
    ]
    assert assembling == []


def _reaches_a_patient(model, seen=()) -> bool:
    """Whether the model's rows belong to a patient: a case, or a row that leads to one
    (or to a patient) through its foreign keys."""
    if model is Case:
        return True
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
            continue
        related = field.related_model
        if related is User:
            if field.name == "patient":
                return True
            continue
        onward = related not in seen and related.__module__.startswith("stegvis.")
        if onward and _reaches_a_patient(related, (*seen, model)):
            return True
    return False


# Patient data by the model graph, so a new model is covered the day it is written.
PATIENT_MODELS = {
    f"{model.__module__}.{model.__name__}"
    for model in apps.get_models()
    if model.__module__.startswith("stegvis.") and _reaches_a_patient(model)
}


def _request_layer(path: Path) -> bool:
    """Where a request is answered: views, API operations, forms, template tags."""
    return (
        path.name in {"views.py", "api.py", "forms.py", "context_processors.py"}
        or "templatetags" in path.parts
    )


def reads_around_the_reader(source: str) -> list[str]:
    """Each `Model.objects` (or `_default_manager`) of a patient-data model in `source`."""
    tree = ast.parse(source)
    imported = {
        alias.asname or alias.name: f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}):
            continue
        owner = node.value
        if isinstance(owner, ast.Name):
            name = imported.get(owner.id)
        elif isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name):
            name = f"{imported.get(owner.value.id)}.{owner.attr}"
        else:
            continue
        if name in PATIENT_MODELS:
            found.append(f"{node.lineno}: {name}")
    return found


def test_no_view_reaches_a_patient_models_manager():
    """Views, API operations, forms and template tags resolve patient data through the
    audited helpers and read the rest through their app's selectors, which take what the
    reader resolved; none reads a patient-data table itself."""
    around = {
        str(path.relative_to(ROOT)): found
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts and _request_layer(path)
        for found in [reads_around_the_reader(path.read_text(encoding="utf-8"))]
        if found
    }
    assert around == {}


def test_the_contract_finds_a_planted_read_around_the_reader():
    assert {"stegvis.cases.models.Certificate", "stegvis.plans.models.PlanVersion",
            "stegvis.coaching.models.CheckIn"} <= PATIENT_MODELS  # fmt: skip
    assert "stegvis.accounts.models.Organisation" not in PATIENT_MODELS
    planted = (
        "from stegvis.cases.models import Certificate as C\n"
        "from stegvis.coaching import models\n"
        "def view(request, pk):\n"
        "    C.objects.get(pk=pk)\n"
        "    return models.CheckIn._default_manager.all()\n"
    )
    assert reads_around_the_reader(planted) == [
        "4: stegvis.cases.models.Certificate",
        "5: stegvis.coaching.models.CheckIn",
    ]


# Modules whose transactions hold no audit event: the workers' claims of queued rows, a
# unit's opening hours replaced whole, and a professional's memberships brought in step
# with their assignments at sign-in (no patient's data, so nothing audited).
# The idempotency store wraps a whole request so that its key commits with its write; the
# audited write inside keeps its own audit.atomic, so its events are still appended last.
PLAIN_TRANSACTIONS = {
    "notifications/outbox.py",
    "coaching/reminders.py",
    "core/tasks.py",
    "core/idempotency.py",
    "accounts/opening_hours.py",
    "accounts/eid/assignments.py",
}


def test_writes_use_the_audited_transaction():
    """A plain transaction.atomic around an audited write would hold the chain's lock until
    its commit; every service uses audit.atomic, which appends the events last (and is made
    of one, in the audit app)."""
    plain = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts
        and path.parts[len(ROOT.parts)] not in {"access", "audit"}
        and str(path.relative_to(ROOT)) not in PLAIN_TRANSACTIONS
        and "transaction.atomic" in path.read_text(encoding="utf-8")
    ]
    assert plain == []


def test_the_employer_a_note_is_not_shared_with_is_refused_once_with_that_reason(
    client, personas, case
):
    personas.with_consent(personas.employer, [Category.CAPACITY], Purpose.EMPLOYER_DIALOGUE)
    client.force_login(personas.employer)
    before = AccessEvent.objects.count()
    assert client.get(f"/cases/{case.pk}/capacity-note/").status_code == 404
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.latest("pk")
    assert (event.outcome, event.basis, event.actor) == (
        "denied",
        "note_not_shared",
        personas.employer,
    )


def test_a_role_restricted_action_is_refused_once_as_forbidden(client, personas, case):
    client.force_login(personas.coordinator)
    before = AccessEvent.objects.count()
    assert client.get(f"/cases/{case.pk}/certificates/new/").status_code == 403
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.latest("pk")
    assert (event.outcome, event.basis) == ("denied", "role_not_permitted")


def test_handling_a_flag_off_the_queue_is_refused_and_recorded(client, personas):
    flag, _created = flag_raise(patient_id=personas.patient.pk, kind="missed")
    # A pain team's clinician in the patient's care sees the check-ins but does not work
    # the queue.
    clinician = member(UserFactory(), personas.unit, Role.MMR_CLINICIAN)
    CareRelationship.objects.create(
        patient=personas.patient, user=clinician, organisation=personas.unit,
        role=Role.MMR_CLINICIAN, reason="team", reason_text="Smärtteamet",
        ends_at=timezone.now() + timedelta(hours=24),
    )  # fmt: skip
    client.force_login(clinician)
    response = client.post(f"/coach/flags/{flag.pk}/", {"note": "Ringt"})
    assert response.status_code == 404
    event = AccessEvent.objects.latest("pk")
    assert (event.outcome, event.basis, event.object_type) == (
        "denied",
        "not_on_queue",
        "coach_flag",
    )


def test_the_patient_carries_the_decision_it_was_reached_by(personas):
    patient = get_patient_for(personas.coordinator, personas.patient.pk, category=Category.PLAN)
    assert (patient.access_decision.basis, patient.access_decision.role) == (
        "care:named",
        "rehab_coordinator",
    )


def test_sharing_with_someone_records_each_persons_decision_as_theirs(personas):
    personas.with_consent(personas.fk_caseworker, [Category.MEETINGS], Purpose.FK_INFORMATION)
    decisions = shared_with(
        [personas.fk_caseworker, personas.employer],
        personas.patient,
        Category.MEETINGS,
        object_type="meeting",
        object_id="m-1",
    )
    assert [decisions[p.pk].allowed for p in (personas.fk_caseworker, personas.employer)] == [
        True,
        False,
    ]
    events = AccessEvent.objects.filter(object_id="m-1").order_by("pk")
    assert [(e.actor, e.action, e.outcome) for e in events] == [
        (personas.fk_caseworker, "share", "allowed"),
        (personas.employer, "share", "denied"),
    ]


def test_a_refused_invitation_undoes_the_meeting_but_keeps_the_refusal(personas, case):
    resolved = get_case_for(personas.coordinator, case.pk, category=Category.MEETINGS)
    with pytest.raises(NotAllowed):
        meeting_schedule(
            actor=personas.coordinator,
            case=resolved,
            kind="sip",
            starts_at=timezone.now(),
            participants=[personas.employer],
        )
    assert not case.meetings.exists()
    refusal = AccessEvent.objects.latest("pk")
    assert (refusal.actor, refusal.action, refusal.outcome) == (
        personas.employer,
        "share",
        "denied",
    )


def _statement_kinds(queries) -> list[str]:
    kinds = []
    for query in queries:
        sql = query["sql"].upper()
        if "ACCESS_AUDITCHAINHEAD" in sql:
            kinds.append("head")
        elif "ACCESS_ACCESSEVENT" in sql:
            kinds.append("event")
        elif sql.startswith(("INSERT", "UPDATE", "DELETE")):
            kinds.append("write")
    return kinds


def test_a_services_audit_events_are_the_last_statements_before_its_commit(personas):
    """Opening a case records the decision, then stores the case's next deadline: the
    event is inserted after that write, as the last statement before the commit, and the
    chain's head is left to the sealer."""
    patient = patient_at(personas.other_unit, email="ny.patient@example.org")
    new_case = Case(patient=patient, sick_from=timezone.localdate(), expected_days=30)
    with CaptureQueriesContext(connection) as captured:
        cases.case_open(actor=personas.coordinator, unit=personas.unit, form_case=new_case)
    kinds = _statement_kinds(captured.captured_queries)
    assert "head" not in kinds
    assert kinds.count("write") >= 2 and kinds[-1] == "event" and kinds.count("event") == 1
    event = AccessEvent.objects.latest("pk")
    assert (event.basis, event.object_type, event.action) == ("care:named", "case", "create")


def test_a_failed_audited_write_keeps_only_its_refusals(db):
    def event(outcome):
        return audit.new_event(
            actor=None, category="plan", action="view", outcome=outcome, basis="b", object_type="t"
        )

    with pytest.raises(RuntimeError), audit.atomic():
        audit.append([event("allowed"), event("denied")])
        raise RuntimeError
    assert list(AccessEvent.objects.values_list("outcome", flat=True)) == ["denied"]
    assert audit.verify().ok
    # A nested block's events wait for the outermost one, then the chain still holds.
    with audit.atomic():
        with audit.atomic():
            audit.append([event("allowed")])
        assert AccessEvent.objects.count() == 1
    assert AccessEvent.objects.count() == 2
    assert audit.verify().ok


def test_a_submission_retried_returns_the_same_task(personas, case):
    personas.with_consent(personas.fk_caseworker, [Category.PLAN], Purpose.FK_INFORMATION)
    resolved = get_case_for(personas.coordinator, case.pk, category=Category.PLAN)
    sid = uuid.uuid4()
    first = task_create(
        actor=personas.coordinator,
        case=resolved,
        assignee=personas.fk_caseworker,
        title="Ring",
        due_on=None,
        submission_id=sid,
    )
    again = task_create(
        actor=personas.coordinator,
        case=resolved,
        assignee=personas.fk_caseworker,
        title="Ring",
        due_on=None,
        submission_id=sid,
    )
    assert first.pk == again.pk
    shares = AccessEvent.objects.filter(object_type="task", action="share")
    assert shares.count() == 1


def test_test_modules_share_helpers_without_importing_each_other():
    tests = Path(__file__).parent
    importers = [
        f"{path.relative_to(tests)} imports {name}"
        for path in tests.rglob("test_*.py")
        for name in _imports(path)
        if re.match(r"tests\.(e2e\.)?test_", name)
    ]
    assert importers == []

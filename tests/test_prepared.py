"""Prepared queries: the ORM's SQL kept per shape, run with each call's own values."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from stegvis.accounts.models import PersonalAccessToken, TokenScope, User
from stegvis.audit import audit
from stegvis.audit.models import AccessEvent, Outcome
from stegvis.cases.models import Case
from stegvis.core import prepared
from stegvis.core.prepared import Prepared
from tests.factories import OrganisationFactory, patient_at


def _cases(patients, organisation, opened_after):
    return (
        Case.objects.filter(
            patient_id__in=patients, organisation_id=organisation, opened_on__gt=opened_after
        )
        .order_by("patient__email")
        .values_list("patient_id", "patient__email", "opened_on")
    )


def _orm(patients, organisation, opened_after):
    return list(_cases(patients, organisation, opened_after))


@pytest.fixture
def people(db):
    unit, other = OrganisationFactory(), OrganisationFactory()
    return unit, other, [patient_at(unit, email=f"p{n}@example.org") for n in range(4)]


def test_each_call_runs_with_its_own_values_and_matches_the_orm(people, django_assert_num_queries):
    unit, other, patients = people
    query = Prepared(_cases)
    yesterday = timezone.localdate() - timedelta(days=1)
    calls = [
        ([p.pk for p in patients[:2]], unit.pk, yesterday - timedelta(days=3)),
        ([p.pk for p in patients[2:]], unit.pk, yesterday - timedelta(days=3)),
        ([p.pk for p in patients[1:3]], other.pk, yesterday - timedelta(days=3)),
        ([p.pk for p in patients[:2]], unit.pk, timezone.localdate() + timedelta(days=1)),
    ]
    for patients_, organisation, after in calls:
        expected = _orm(patients_, organisation, after)
        with django_assert_num_queries(1):
            found = query.rows(patients=patients_, organisation=organisation, opened_after=after)
        assert found == expected
    # The values come back as the ORM gives them: a UUID, not the database's text.
    first = query.rows(patients=[patients[0].pk], organisation=unit.pk, opened_after=yesterday)
    assert first == [(patients[0].pk, "p0@example.org", patients[0].cases.get().opened_on)]


def test_a_query_that_reads_a_value_it_was_not_given_is_refused(db):
    def joined_before_now(patient):
        # The clock, read inside: it would be frozen into the SQL at the first call.
        return User.objects.filter(pk=patient, date_joined__lt=timezone.now()).values_list("pk")

    with pytest.raises(ImproperlyConfigured, match="joined_before_now"):
        Prepared(joined_before_now).rows(patient=User().pk)


def test_an_empty_list_finds_nothing_and_a_long_one_goes_through_the_orm(
    people, django_assert_num_queries
):
    unit, _other, patients = people
    query = Prepared(_cases)
    today = timezone.localdate() - timedelta(days=10)
    with django_assert_num_queries(0):
        assert query.rows(patients=[], organisation=unit.pk, opened_after=today) == []
    many = [p.pk for p in patients] + [User().pk for _ in range(prepared.MAX_LIST)]
    assert query.rows(patients=many, organisation=unit.pk, opened_after=today) == _orm(
        many, unit.pk, today
    )
    assert len(query._compiled) == 1  # only the empty shape was kept


def _case_ids(patients, organisation, opened_after):
    return _cases(patients, organisation, opened_after).values("pk")


def test_a_subquery_narrows_another_query_as_the_orms_would(people, django_assert_num_queries):
    unit, other, patients = people
    query = Prepared(_case_ids)
    long_ago = timezone.localdate() - timedelta(days=30)
    calls = [
        ([p.pk for p in patients[:2]], unit.pk),
        ([p.pk for p in patients[2:]], unit.pk),
        ([p.pk for p in patients[:2]], other.pk),
    ]
    found = []
    for patients_, organisation in calls:
        expected = set(Case.objects.filter(pk__in=_case_ids(patients_, organisation, long_ago)))
        subquery = query.subquery(
            patients=patients_, organisation=organisation, opened_after=long_ago
        )
        with django_assert_num_queries(1):
            narrowed = set(Case.objects.filter(pk__in=subquery))
        assert narrowed == expected
        found.append(len(narrowed))
    assert found == [2, 2, 0]
    assert len(query._compiled) == 1  # one shape (two patients), built once
    # A shape that finds nothing narrows to nothing, with no statement.
    with django_assert_num_queries(0):
        empty = query.subquery(patients=[], organisation=unit.pk, opened_after=long_ago)
        assert list(Case.objects.filter(pk__in=empty)) == []


def _cases_with_units(patient, opened_after):
    return (
        Case.objects.filter(patient_id=patient, opened_on__gt=opened_after)
        .select_related("organisation", "responsible_physician")
        .order_by("opened_on")
    )


def test_instances_are_the_orms_objects_with_what_they_select_related(
    people, django_assert_num_queries
):
    _unit, other, patients = people
    second = Case.objects.create(patient=patients[0], organisation=other)
    query = Prepared(_cases_with_units, related=("organisation", "responsible_physician"))
    long_ago = timezone.localdate() - timedelta(days=400)
    for patient in patients[:2]:
        expected = list(_cases_with_units(patient.pk, long_ago))
        with django_assert_num_queries(1):
            found = query.instances(patient=patient.pk, opened_after=long_ago)
            # The related objects came with the row: reading them asks nothing more.
            units = [case.organisation.name for case in found]
            physicians = [case.responsible_physician for case in found]
        assert found == expected
        assert units == [case.organisation.name for case in expected]
        assert physicians == [None] * len(expected)  # a null foreign key gives None
    assert second in query.instances(patient=patients[0].pk, opened_after=long_ago)
    saved = query.instances(patient=patients[1].pk, opened_after=long_ago)[0]
    saved.status = "partial_return"
    saved.save(update_fields=["status"])  # an object like any other: it saves itself
    assert Case.objects.get(pk=saved.pk).status == "partial_return"
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert query.instances(patient=patients[0].pk, opened_after=tomorrow) == []


def test_count_is_the_orms_count(people, django_assert_num_queries):
    unit, other, patients = people
    Case.objects.create(patient=patients[0], organisation=other)
    query = Prepared(_cases_with_units)
    long_ago = timezone.localdate() - timedelta(days=400)
    for patient in patients[:2]:
        with django_assert_num_queries(1):
            counted = query.count(patient=patient.pk, opened_after=long_ago)
        assert counted == _cases_with_units(patient.pk, long_ago).count() > 0
    assert query.count(patient=patients[0].pk, opened_after=timezone.localdate()) == 0
    assert Prepared(_cases).count(patients=[], organisation=unit.pk, opened_after=long_ago) == 0


def _cases_with_later_ones(patient):
    later = Case.objects.filter(
        patient_id=OuterRef("patient_id"), opened_on__gt=OuterRef("opened_on")
    )
    return (
        Case.objects.filter(patient_id=patient)
        .annotate(later_ones=Count("pk"), any_later=Exists(later))
        .order_by("opened_on", "pk")
    )


def test_instances_carry_their_annotations(people, django_assert_num_queries):
    _unit, other, patients = people
    Case.objects.create(
        patient=patients[0], organisation=other, opened_on=timezone.localdate() + timedelta(1)
    )
    query = Prepared(_cases_with_later_ones, annotations=("later_ones", "any_later"))
    for patient in patients[:2]:
        expected = list(_cases_with_later_ones(patient.pk))
        with django_assert_num_queries(1):
            found = query.instances(patient=patient.pk)
        assert [(c.pk, c.any_later, c.later_ones) for c in found] == [
            (c.pk, c.any_later, c.later_ones) for c in expected
        ]
    assert [case.any_later for case in query.instances(patient=patients[0].pk)] == [True, False]


def test_postgresql_plans_the_hot_statements_once_per_connection(client, personas):
    """On PostgreSQL the values are bound on the server, and psycopg prepares a statement it
    has run five times on a connection (settings: DATABASE_PREPARED_STATEMENTS)."""
    _token, raw = PersonalAccessToken.issue(
        user=personas.treating_physician, name="t", scope=TokenScope.READ, days=1
    )
    for _ in range(6):
        response = client.get(
            f"/api/v1/patients/{personas.patient.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        assert response.status_code == 200
    if connection.vendor != "postgresql":
        assert "server_side_binding" not in connection.settings_dict.get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "accounts_personalaccesstoken"' in s for s in prepared), prepared
    assert any('FROM "accounts_membership"' in s for s in prepared), prepared


AT = timezone.now().replace(microsecond=123456)


def _event(patient, n, address):
    return audit.new_event(
        actor=None, actor_role="system", patient=patient, category="identity", action="view",
        outcome=Outcome.ALLOWED, basis="test", object_type="case", object_id=n,
        client_address=address, occurred_at=AT,
    )  # fmt: skip


def test_insert_writes_what_bulk_create_writes_and_sets_the_keys(people, django_assert_num_queries):
    _unit, _other, patients = people
    ours = [_event(patients[0], 1, "2001:db8::0:1"), _event(patients[1], 2, None)]
    theirs = [_event(patients[0], 1, "2001:db8::0:1"), _event(patients[1], 2, None)]
    with django_assert_num_queries(1):
        prepared.insert(ours)
    AccessEvent.objects.bulk_create(theirs)
    assert all(event.pk and not event._state.adding for event in ours)
    columns = [f.attname for f in AccessEvent._meta.concrete_fields if f.attname != "id"]
    for mine, orms in zip(ours, theirs, strict=True):
        assert AccessEvent.objects.values(*columns).get(pk=mine.pk) == (
            AccessEvent.objects.values(*columns).get(pk=orms.pk)
        )
    assert AccessEvent.objects.get(pk=ours[0].pk).client_address == "2001:db8::1"


def test_insert_splits_what_one_statement_cannot_carry(people, django_assert_num_queries):
    _unit, _other, patients = people
    fields = [f for f in AccessEvent._meta.concrete_fields if f.attname != "id"]
    per_statement = connection.ops.bulk_batch_size(fields, [None] * 10_000)
    many = [_event(patients[n % 4], n, None) for n in range(1, per_statement + 4)]
    with django_assert_num_queries(2):
        prepared.insert(many)
    keys = [event.pk for event in many]
    assert len(set(keys)) == len(many)
    assert sorted(
        AccessEvent.objects.filter(pk__in=keys).values_list("object_id", flat=True), key=int
    ) == [str(n) for n in range(1, len(many) + 1)]


def test_only_djangos_public_api_makes_the_objects():
    """The model iterator's internals (klass_info, its populators, the fetch mode) change
    between Django releases; instances() is made with Model.from_db and setattr alone."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(prepared))
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
              for alias in node.names}  # fmt: skip
    assert not names & {"klass_info", "get_related_populators", "_fetch_mode", "_fields",
                        "annotation_col_map"}  # fmt: skip

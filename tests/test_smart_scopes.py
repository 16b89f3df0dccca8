"""SMART on FHIR scopes read by one grammar (stegvis/access/smart_scopes.py): v2 and v1
forms, wildcards, query-narrowed scopes, and what each allows."""

import pytest

from stegvis.access.smart_scopes import InvalidScope, Scope, Scopes, parse


@pytest.mark.parametrize(
    ("text", "context", "resource", "actions"),
    [
        ("patient/Observation.rs", "patient", "Observation", "rs"),
        ("user/CarePlan.rs", "user", "CarePlan", "rs"),
        ("patient/QuestionnaireResponse.cruds", "patient", "QuestionnaireResponse", "cruds"),
        ("system/*.rs", "system", "*", "rs"),
        ("patient/*.read", "patient", "*", "rs"),  # v1
        ("user/Observation.write", "user", "Observation", "cud"),  # v1
        ("user/*.*", "user", "*", "cruds"),  # v1
        ("patient/Observation.c", "patient", "Observation", "c"),
    ],
)
def test_each_form_is_read_as_v2(text, context, resource, actions):
    scope = parse(text)
    assert (scope.context, scope.resource, scope.actions) == (context, resource, frozenset(actions))


@pytest.mark.parametrize(
    "text",
    [
        "patient/Observation.sr",  # v2 letters out of order
        "patient/Observation.",  # no action
        "patient/Observation.x",
        "clinic/Observation.rs",  # no such context
        "patient/observation.rs",  # a resource type starts with a capital
        "patient/Observation.rs?",  # an empty query
        "launch/everything",
        "Observation.rs",
    ],
)
def test_anything_else_is_refused_by_name(text):
    with pytest.raises(InvalidScope) as refused:
        parse(text)
    assert refused.value.scope == text


def test_a_scope_allows_only_its_context_type_and_actions():
    scope = parse("patient/Observation.rs")
    assert scope.allows("patient", "Observation", "r")
    assert scope.allows("patient", "Observation", "s")
    assert not scope.allows("patient", "Observation", "c")
    assert not scope.allows("user", "Observation", "r")
    assert not scope.allows("patient", "CarePlan", "r")
    assert parse("system/*.rs").allows("system", "CarePlan", "s")


def test_a_narrowed_scope_allows_only_where_its_filters_hold():
    scope = parse("patient/Observation.rs?category=survey")
    assert scope.query == (("category", "survey"),)
    assert scope.allows("patient", "Observation", "s", {"category": "survey"})
    assert not scope.allows("patient", "Observation", "s", {"category": "vital-signs"})
    assert not scope.allows("patient", "Observation", "s")


def test_a_scope_string_keeps_the_other_scopes_by_name_and_prints_back():
    scopes = Scopes.parse("openid fhirUser launch/patient offline_access patient/Observation.rs "
                          "patient/QuestionnaireResponse.cruds")  # fmt: skip
    assert scopes.other == {"openid", "fhirUser", "launch/patient", "offline_access"}
    assert scopes.contexts() == {"patient"}
    assert scopes.allows("patient", "QuestionnaireResponse", "c")
    assert not scopes.allows("patient", "CarePlan", "r")
    assert Scopes.parse(str(scopes)) == scopes
    assert str(Scope("user", "*", frozenset("sr"))) == "user/*.rs"


def test_no_scope_allows_nothing():
    assert not Scopes.parse("").allows("patient", "Observation", "r")

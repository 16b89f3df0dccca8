"""The access policy as a table over the personas."""

import pytest
from allauth.mfa.models import Authenticator
from django.http import Http404
from django.utils import timezone

from stegvis.access.categories import ROLE_CEILING, Category
from stegvis.access.helpers import get_case_for, get_record_for
from stegvis.access.policy import cases_visible_to, decide, patients_visible_to
from stegvis.accounts.mfa import mfa_satisfied
from stegvis.accounts.models import Membership, User
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.coordination.meetings.services import meeting_schedule
from stegvis.coordination.rules import MEETING
from tests.factories import member

C = Category
# persona -> categories of `patient` it may view (everything else is refused).
MAY_VIEW = {
    "patient": set(C),
    "treating_physician": set(C) - {C.ACCESS_LOG, C.NETWORK},
    "coordinator": set(C) - {C.ACCESS_LOG, C.NETWORK},
    "unit_manager": {C.IDENTITY, C.ACCESS_LOG},
    "unrelated_physician": set(),
    "fk_caseworker": set(),
    "employer": set(),
    "outsider": set(),
    "physician_without_mfa": set(),
}


@pytest.mark.parametrize("persona", MAY_VIEW)
@pytest.mark.parametrize("category", list(Category))
def test_policy_table_for_each_persona_and_category(personas, persona, category):
    decision = decide(personas.get(persona), personas.patient, category)
    assert decision.allowed is (category in MAY_VIEW[persona])


def test_treating_access_names_the_unit_and_role_for_the_audit(personas):
    decision = decide(personas.treating_physician, personas.patient, Category.SICK_LEAVE)
    assert (decision.basis, decision.role, decision.organisation) == (
        "care:named",
        Role.PHYSICIAN,
        personas.unit,
    )


def test_staff_without_second_factor_are_refused_with_that_reason(personas):
    Case.objects.filter(patient=personas.patient).update(
        responsible_physician=personas.physician_without_mfa
    )
    decision = decide(personas.physician_without_mfa, personas.patient, Category.IDENTITY)
    assert not decision.allowed
    assert decision.basis == "mfa_required"


def test_a_meeting_in_the_care_of_someone_without_a_second_factor_is_refused_on_the_log(
    personas, case
):
    """The meetings of the cases in a professional's care are looked for whether or not
    they have a second factor, so the refusal is the policy's, on the patient's log."""
    resolved = get_case_for(personas.coordinator, case.pk, category=Category.MEETINGS)
    meeting = meeting_schedule(actor=personas.coordinator, case=resolved, kind="sip",
                               starts_at=timezone.now(), participants=[])  # fmt: skip
    Case.objects.filter(pk=case.pk).update(responsible_physician=personas.physician_without_mfa)
    with pytest.raises(Http404):
        get_record_for(personas.physician_without_mfa, MEETING, meeting.pk)
    refusal = AccessEvent.objects.latest("pk")
    assert (refusal.patient, refusal.outcome, refusal.basis) == (
        personas.patient, "denied", "mfa_required"
    )  # fmt: skip


def test_an_employer_role_at_the_care_unit_gives_no_clinical_need(personas):
    # Only care roles reach patients through the unit; an employer role there reaches nothing.
    member(personas.employer, personas.unit, Role.EMPLOYER_MANAGER, mfa=False)
    for category in Category:
        assert not decide(personas.employer, personas.patient, category).allowed


def test_employer_ceiling_holds_no_diagnosis_notes_or_questionnaires():
    assert not ROLE_CEILING[Role.EMPLOYER_MANAGER] & {
        Category.SICK_LEAVE,
        Category.CLINICAL_NOTES,
        Category.QUESTIONNAIRES,
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("patient", {"patient"}),
        ("treating_physician", {"patient"}),
        ("coordinator", {"patient"}),
        # Another unit's physician, named on no case of theirs: working there is not enough.
        ("unrelated_physician", set()),
        ("fk_caseworker", set()),
        ("employer", set()),
        ("outsider", set()),
        ("physician_without_mfa", set()),
    ],
)
def test_selectors_return_exactly_the_visible_patients(personas, persona, expected):
    user = personas.get(persona)
    want = {personas.get(name).pk for name in expected}
    assert set(patients_visible_to(user).values_list("pk", flat=True)) == want
    assert set(cases_visible_to(user).values_list("patient_id", flat=True)) == want


def test_deactivated_staff_are_refused(personas):
    personas.treating_physician.is_active = False
    personas.treating_physician.save()
    assert not decide(personas.treating_physician, personas.patient, Category.IDENTITY).allowed
    assert not patients_visible_to(personas.treating_physician).exists()


def test_only_the_access_package_calls_the_policys_decide():
    import re
    from pathlib import Path

    import stegvis

    root = Path(stegvis.__file__).parent
    callers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.parts[len(root.parts)] != "access"
        and re.search(r"\bdecide\(|import [^\n]*\bdecide\b", path.read_text(encoding="utf-8"))
    ]
    assert callers == []


@pytest.mark.parametrize(
    "persona, second_factor",
    [("treating_physician", True), ("physician_without_mfa", False), ("patient", False)],
)
def test_the_memberships_and_the_second_factor_come_in_one_statement(
    personas, persona, second_factor, django_assert_num_queries
):
    user = User.objects.get(pk=personas.get(persona).pk)  # nothing asked of it yet
    with django_assert_num_queries(1):
        assert user.memberships_cached()
        assert mfa_satisfied(user) is second_factor
    # Someone with no membership is still asked plainly.
    Authenticator.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    fresh = User.objects.get(pk=user.pk)
    with django_assert_num_queries(2):
        assert fresh.memberships_cached() == []
        assert mfa_satisfied(fresh) is False

"""An app's credential (a SMART on FHIR access token) as a cap on the policy.

The policy decides what the app's person may do; the app's scopes, and the patient it was
launched with, only ever narrow that. A scope names FHIR resource types, the policy
categories of data: a category is open to an app when a scope opens one of the types its
data is written as (CATEGORY_RESOURCES), for the action asked.
"""

import uuid
from dataclasses import dataclass, replace

from django.db.models import Q

from stegvis.access.categories import Action, Category
from stegvis.access.smart_scopes import Scopes
from stegvis.core import request_context

C = Category
# The FHIR resource types each category's data is written as (stegvis.fhir.kinds; a test
# holds the two together).
CATEGORY_RESOURCES: dict[str, frozenset[str]] = {
    C.IDENTITY: frozenset({"Patient"}),
    C.SICK_LEAVE: frozenset({"Condition"}),
    C.CAPACITY: frozenset({"EpisodeOfCare", "CarePlan", "DocumentReference"}),
    C.PLAN: frozenset({"CarePlan", "Task", "DocumentReference"}),
    C.MEETINGS: frozenset({"CarePlan", "Appointment"}),
    C.CLINICAL_NOTES: frozenset({"CarePlan"}),
    C.CHECKINS: frozenset({"Observation"}),
    C.QUESTIONNAIRES: frozenset({"Observation", "QuestionnaireResponse"}),
    C.MESSAGES: frozenset({"Communication"}),
    C.NETWORK: frozenset({"CareTeam", "Consent"}),
    C.ACCESS_LOG: frozenset({"AuditEvent"}),
}
# The SMART interaction an action is: read for what is shown or exported.
ACTION_LETTER = {
    Action.VIEW: "r",
    Action.EXPORT: "r",
    Action.CREATE: "c",
    Action.UPDATE: "u",
    Action.DELETE: "d",
}


def categories_of(resource: str) -> frozenset[str]:
    return frozenset(c for c, types in CATEGORY_RESOURCES.items() if resource in types)


@dataclass(frozen=True)
class AppCredential:
    """An app acting for its person (a system: for its own account): what it was granted
    and for which patient."""

    app_name: str
    client_id: str
    connection_id: int
    scopes: Scopes
    # The patient the app was launched with (a patient's own app: the patient; a system:
    # none).
    patient_id: uuid.UUID | None
    # A region's registered system, acting as its own account.
    system: bool = False

    def allows(self, resource: str, letter: str, patient_id=None) -> bool:
        """Whether a scope lets the app do `letter` on `resource` (of `patient_id`, when
        one is named): a user/ or system/ scope for any patient its person (or account)
        reaches, a patient/ scope for the launch's patient only."""
        if self._for_any_patient(resource, letter):
            return True
        if not self.scopes.allows("patient", resource, letter):
            return False
        return patient_id is None or str(patient_id) == str(self.patient_id)

    def refusal(self, patient_id, category: str, action: str, resource=None) -> str | None:
        """Why the app may not do `action` on `category` of the patient, or None; judged
        by the scopes of `resource` alone when the request is about one resource type."""
        letter = ACTION_LETTER.get(action)
        types = _types(category, resource)
        if letter is None or not any(self.allows(r, letter) for r in types):
            return "scope_not_granted"
        if not any(self.allows(r, letter, patient_id) for r in types):
            return "outside_launch_patient"
        return None

    def patients(self, category: str, field: str = "pk", resource=None) -> Q:
        """The condition on `field` (a patient's key) that narrows a list of what the
        person reaches in `category` to what the app may read (of `resource`, if named)."""
        types = _types(category, resource)
        if any(self._for_any_patient(r, "r") for r in types):
            return Q()
        if self.patient_id and any(self.scopes.allows("patient", r, "r") for r in types):
            return Q(**{field: self.patient_id})
        return Q(pk__in=[])

    def _for_any_patient(self, resource: str, letter: str) -> bool:
        return self.scopes.allows("user", resource, letter) or self.scopes.allows(
            "system", resource, letter
        )

    def exportable(self, resources) -> list[str]:
        """Of `resources`, those a bulk export may hold for the app: what a user/ or system/
        scope reads (an export is written by the worker, where no launch patient narrows)."""
        return [resource for resource in resources if self._for_any_patient(resource, "r")]


def _types(category: str, resource) -> frozenset[str]:
    return frozenset({resource}) if resource else CATEGORY_RESOURCES.get(category, frozenset())


def app_of(request) -> AppCredential | None:
    """The app acting in `request` (none, or a request with no app), if any."""
    token = getattr(request, "token", None)
    return token if isinstance(token, AppCredential) else None


def act_as_app(request, user, credential: AppCredential) -> None:
    """The request is the app's, for `user`: the reader caps each decision at the app's
    scopes and launch patient, and every audit event of the request names the app."""
    request.user = user
    request.token = credential
    request_context.current.set(
        replace(
            request_context.current.get(),
            app=credential.app_name,
            system_account=str(user.pk) if credential.system else "",
        )
    )

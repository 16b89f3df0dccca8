"""SMART scopes in plain words, for the consent screen, and as django-oauth-toolkit's scope
backend (any scope SMART's grammar reads is known; the validator decides which an app gets).
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

from stegvis.access.smart_scopes import OTHER_SCOPES, InvalidScope, Scope, Scopes, parse

# What each resource type holds, as the person reads it.
RESOURCE_WORDS = {
    "Patient": _("name and contact details"),
    "Condition": _("diagnoses on sick-leave certificates"),
    "EpisodeOfCare": _("the sick-leave case and its dates"),
    "CarePlan": _("return-to-work and other plans"),
    "Task": _("tasks in the plan"),
    "DocumentReference": _("plans as documents"),
    "Appointment": _("meetings"),
    "Observation": _("check-ins and questionnaire scores"),
    "QuestionnaireResponse": _("questionnaire answers"),
    "Questionnaire": _("the questionnaires themselves"),
    "Communication": _("messages"),
    "CareTeam": _("the network of professionals"),
    "Consent": _("consents"),
    "AuditEvent": _("who has seen the data"),
    "*": _("everything in the record"),
}
# In the order they are shown, each following "It will also".
OTHER_WORDS = {
    "openid": _("know who you are in Stegvis"),
    "fhirUser": _("know who you are in Stegvis"),
    "profile": _("know your name"),
    "launch": _("know which patient it was opened for"),
    "launch/patient": _("know that it is working with your record"),
    "launch/encounter": _("know which visit it was opened for"),
    "offline_access": _("keep its access while you are not using it, until you take it back"),
    "online_access": _("keep its access only while you are signed in"),
}


def _words(scopes: list[Scope], letters: str) -> list[str]:
    resources = []
    for scope in scopes:
        if scope.actions & set(letters) and scope.resource not in resources:
            resources.append(scope.resource)
    return [str(RESOURCE_WORDS.get(resource, resource)) for resource in resources]


def described(scope_text: str) -> dict:
    """What an app asking `scope_text` will see and do, in the person's words: lists of
    what it reads, adds or changes, removes, and its other abilities."""
    scopes = Scopes.parse(scope_text)
    other = [str(words) for name, words in OTHER_WORDS.items() if name in scopes.other]
    return {
        "read": _words(list(scopes.clinical), "rs"),
        "write": _words(list(scopes.clinical), "cu"),
        "delete": _words(list(scopes.clinical), "d"),
        "other": list(dict.fromkeys(other)),  # openid and fhirUser say the same
        "offline": "offline_access" in scopes.other,
    }


class _Descriptions(dict):
    """Every scope SMART's grammar reads, described in a line (django-oauth-toolkit asks)."""

    def __missing__(self, scope: str) -> str:
        try:
            found = parse(scope)
        except InvalidScope:
            return scope
        if isinstance(found, str):
            return str(OTHER_WORDS.get(found, found))
        return str(format_lazy("{}: {}", RESOURCE_WORDS.get(found.resource, found.resource),
                               "".join(sorted(found.actions))))  # fmt: skip


class SmartScopes(BaseScopes):
    def get_all_scopes(self):
        return _Descriptions()

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return sorted(OTHER_SCOPES)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return ["openid", "fhirUser"]

"""SMART on FHIR scopes (App Launch 2.2, section "Scopes for requesting clinical data"), read
by one grammar: what an app asked for, or was granted, as a cap on what its person's access
policy already allows. A scope never widens the policy; it only narrows it.

    patient/Observation.rs          v2: c(reate) r(ead) u(pdate) d(elete) s(earch), in order
    user/*.cruds                    every resource type
    system/*.rs                     a backend service, no person present
    patient/Observation.rs?category=survey    narrowed by a simple query (equality)
    patient/*.read, user/*.write    v1 forms, read as v2 (read = rs, write = cud, * = cruds)

Anything else an app may ask (openid, fhirUser, launch, launch/patient, offline_access, ...)
is kept as it is, by name."""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

CONTEXTS = ("patient", "user", "system")
ACTIONS = "cruds"  # the order v2 requires them in
V1_ACTIONS = {"read": "rs", "write": "cud", "*": "cruds"}
# The scopes an app may ask for besides clinical data.
OTHER_SCOPES = frozenset({
    "openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter",
    "offline_access", "online_access",
})  # fmt: skip

_CLINICAL = re.compile(
    r"(?P<context>patient|user|system)/(?P<resource>\*|[A-Z][A-Za-z]+)"
    r"\.(?P<actions>c?r?u?d?s?|read|write|\*)(?:\?(?P<query>[^\s?]+))?"
)


class InvalidScope(ValueError):
    """A scope the grammar does not read: the app is told which one."""

    def __init__(self, scope: str):
        super().__init__(f"not a scope: {scope!r}")
        self.scope = scope


@dataclass(frozen=True)
class Scope:
    """One clinical scope: in which context, on which resource type, for which actions."""

    context: str
    resource: str  # a FHIR resource type, or "*"
    actions: frozenset[str]  # letters of ACTIONS
    query: tuple[tuple[str, str], ...] = ()  # equality filters, all of which must hold

    def allows(self, context: str, resource: str, action: str, params: dict | None = None) -> bool:
        """Whether this scope lets `action` (a letter of ACTIONS) be done on `resource`
        in `context`; a narrowed scope only where `params` hold each of its filters."""
        if self.context != context or action not in self.actions:
            return False
        if self.resource not in ("*", resource):
            return False
        given = params or {}
        return all(given.get(name) == value for name, value in self.query)

    def __str__(self) -> str:
        actions = "".join(letter for letter in ACTIONS if letter in self.actions)
        query = "&".join(f"{name}={value}" for name, value in self.query)
        return f"{self.context}/{self.resource}.{actions}" + (f"?{query}" if query else "")


def parse(text: str) -> Scope | str:
    """One scope: a clinical Scope, or another scope's name (OTHER_SCOPES)."""
    if text in OTHER_SCOPES:
        return text
    match = _CLINICAL.fullmatch(text)
    if match is None or not match["actions"]:
        raise InvalidScope(text)
    actions = V1_ACTIONS.get(match["actions"], match["actions"])
    query = tuple(parse_qsl(match["query"] or "", keep_blank_values=False, strict_parsing=False))
    if match["query"] and not query:
        raise InvalidScope(text)
    return Scope(match["context"], match["resource"], frozenset(actions), query)


@dataclass(frozen=True)
class Scopes:
    """A space-separated scope string, read: its clinical scopes and the others."""

    clinical: tuple[Scope, ...] = ()
    other: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, text: str) -> "Scopes":
        clinical, other = [], set()
        for part in text.split():
            found = parse(part)
            if isinstance(found, Scope):
                clinical.append(found)
            else:
                other.add(found)
        return cls(tuple(clinical), frozenset(other))

    def allows(self, context: str, resource: str, action: str, params: dict | None = None) -> bool:
        return any(scope.allows(context, resource, action, params) for scope in self.clinical)

    def contexts(self) -> set[str]:
        return {scope.context for scope in self.clinical}

    def __str__(self) -> str:
        return " ".join([*sorted(self.other), *(str(scope) for scope in self.clinical)])

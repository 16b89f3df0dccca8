"""The reader's rules: what the policy's categories do not say about one object or action.

The policy decides categories (may this reader see the patient's capacity at all?); a rule
narrows one object or action further (the capacity note reaches an employer only when the
patient shared it with them; only a physician signs a certificate). A failed rule turns the
decision into a refusal with the rule's reason, recorded once with that real outcome.

Each app declares its rules, and the kinds of record the door resolves by id, in its own
`rules.py` (found at start-up, as Django's admin finds `admin.py`), each with a name and a
sentence saying what it does; the audited helpers apply only declared rules and resolve
only declared records, so every rule in force is in one table (`stegvis access rules`) and
a change of policy is a change of one declaration. This module holds the registry and
the rules that belong to no one app.

Rules read attributes only, so this module imports no app's models.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from django.core.exceptions import ImproperlyConfigured

from stegvis.access.categories import CARE_ROLES
from stegvis.accounts.roles import Role


@dataclass(frozen=True)
class Rule:
    name: str  # "app.rule", unique
    says: str  # what it does, in one plain sentence, for the rule table
    holds: Callable  # (user, decision, obj, **context) -> bool
    reason: str  # the refusal's basis on the audit event
    # Refused as forbidden (403): the reader may see the object but not do this to it.
    # Otherwise refused as not found (404), so the object's existence does not leak.
    forbidden: bool = False
    roles: frozenset | None = None  # for a rule that only these roles pass
    context: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def given(self, **context) -> "Rule":
        """The rule with what this request adds to it (the duty being marked)."""
        return replace(self, context=MappingProxyType(context))

    def passes(self, user, decision, obj) -> bool:
        return self.holds(user, decision, obj, **self.context)


RULES: dict[str, Rule] = {}


def declare(name: str, says: str, holds: Callable, *, reason: str, forbidden=False) -> Rule:
    if name in RULES:
        raise ImproperlyConfigured(f"The rule {name} is declared twice.")
    RULES[name] = Rule(name, says, holds, reason, forbidden)
    return RULES[name]


def only(name: str, roles: Iterable[str], says: str, *, reason="role_not_permitted",
         forbidden=True) -> Rule:  # fmt: skip
    """A rule that only `roles` pass (only physicians sign certificates)."""
    allowed = frozenset(roles)
    declared = declare(name, says, lambda user, decision, obj: decision.role in allowed,
                       reason=reason, forbidden=forbidden)  # fmt: skip
    RULES[name] = replace(declared, roles=allowed)
    return RULES[name]


def declared(rule: Rule) -> Rule:
    """`rule`, if it is the one declared under its name: the helpers apply no other."""
    found = RULES.get(rule.name)
    if found is None or found.holds is not rule.holds:
        raise ImproperlyConfigured(f"{rule.name} is not a declared rule (stegvis.access.rules).")
    return rule


@dataclass(frozen=True)
class Scope:
    """What a person reaches that is no one patient's data (the units whose service
    development they take part in, the units whose figures they read), declared like a
    rule by the app it belongs to; the reader works it out once per request."""

    name: str  # "app.scope", unique
    says: str  # who reaches what, in one plain sentence, for the rule table
    of: Callable  # (user) -> the app's scope object, or None: reaches none


SCOPES: dict[str, Scope] = {}


def declare_scope(name: str, says: str, of: Callable) -> Scope:
    if name in SCOPES:
        raise ImproperlyConfigured(f"The scope {name} is declared twice.")
    SCOPES[name] = Scope(name, says, of)
    return SCOPES[name]


def declared_scope(name: str) -> Scope:
    found = SCOPES.get(name)
    if found is None:
        raise ImproperlyConfigured(f"{name} is not a declared scope (stegvis.access.rules).")
    return found


@dataclass(frozen=True)
class Record:
    """A kind of record the audited door resolves by id, declared by the app it belongs to
    like a rule: where the reader looks for it (`rows`, given the reader's person), the way
    from it to its patient, the category of the patient's data it is read as (and any other
    a reading may name instead: a referral's goals are the patient's plan) and the rules
    every reading of it applies. A record with no `patient_field` is a unit's own (an MMR
    team's program), not one patient's: its `rows` hold only the reader's units', anything
    else is refused, and it has no category and no rules."""

    name: str  # "app.record", unique
    says: str  # what it is and who reaches it, in one plain sentence, for the rule table
    rows: Callable  # (user) -> the queryset the record is looked for in
    object_type: str  # as the audit event names it
    category: str | None
    patient_field: str | None  # None: a unit's record, no patient's data
    checks: tuple[Rule, ...] = ()
    also_as: tuple[str, ...] = ()  # other categories a reading may name

    @property
    def categories(self) -> tuple[str, ...]:
        return () if self.category is None else (self.category, *self.also_as)


RECORDS: dict[str, Record] = {}


def declare_record(
    name: str,
    says: str,
    rows: Callable,
    *,
    object_type: str,
    category: str | None = None,
    patient_field: str | None = "case__patient",
    checks: Iterable[Rule] = (),
    also_as: Iterable[str] = (),
) -> Record:
    if name in RECORDS:
        raise ImproperlyConfigured(f"The record {name} is declared twice.")
    checks, also_as = tuple(declared(check) for check in checks), tuple(also_as)
    if (patient_field is None) != (category is None) or (patient_field is None and checks):
        raise ImproperlyConfigured(
            f"{name}: a patient's record is read as a category; a unit's has none, nor rules."
        )
    RECORDS[name] = Record(name, says, rows, object_type, category, patient_field, checks,
                           also_as)  # fmt: skip
    return RECORDS[name]


def declared_record(record: Record) -> Record:
    """`record`, if it is the one declared under its name: the helpers resolve no other."""
    if RECORDS.get(record.name) is not record:
        raise ImproperlyConfigured(f"{record.name} is not a declared record (access.rules).")
    return record


def _is_own(user, decision, obj) -> bool:
    return decision.basis == "self"


OWN = declare("access.own", "The object is the reader's own (their check-in, their thread).",
              _is_own, reason="not_own")  # fmt: skip

ANSWERED_BY_THE_PATIENT = declare(
    "access.answered_by_the_patient",
    "Only the patient answers their questionnaires; the care team sees them, answers none.",
    _is_own,
    reason="not_the_patient",
    forbidden=True,
)

STAFF_ONLY = declare(
    "access.staff_only",
    "Professionals' work on a case (calling meetings, setting tasks) is not the patient's.",
    lambda user, decision, obj: decision.basis != "self",
    reason="patient_not_permitted",
)

NOT_HELD_BACK = declare(
    "access.not_held_back",
    "A patient's words of crisis are held back from everyone else until a person "
    "responsible has seen them.",
    lambda user, decision, obj: decision.basis == "self" or not obj.held_back,
    reason="held_back",
)

PATIENT_ONLY = only(
    "access.patient_only",
    [Role.PATIENT],
    "Only the patient themself does this (their own part of the plan, their network).",
)

CARE_TEAM_ONLY = only(
    "access.care_team_only",
    CARE_ROLES,
    "Only the patient's care team does this (an MMR team's assessment and sessions).",
)

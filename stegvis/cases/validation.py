"""Checks on certificate input, shared by the pages' forms and the API.

Each check returns messages for one field, so both edges can name the field at fault.
"""

from collections.abc import Sequence
from datetime import date
from itertools import pairwise

from django.utils.translation import gettext as _

from stegvis.cases import codes
from stegvis.cases.deadlines import rule_set
from stegvis.cases.models import CodeSystem
from stegvis.cases.timeline_input import is_far_ahead

CODE_SYSTEMS = {"SE": (CodeSystem.ICD10,), "NO": (CodeSystem.ICPC2, CodeSystem.ICD10)}


def degree_errors(jurisdiction: str, degree: int | None) -> list[str]:
    rules = rule_set(jurisdiction)
    if degree is None or not rules.degree_allowed(degree):
        allowed = str(rules.degrees_text)
        return [_("Choose a degree of %(allowed)s %%.") % {"allowed": allowed}]
    return []


def date_errors(value: date | None) -> list[str]:
    if is_far_ahead(value):
        return [_("This date is more than two years ahead.")]
    return []


def period_errors(start: date | None, end: date | None) -> dict[str, list[str]]:
    errors = {"starts_on": date_errors(start), "ends_on": date_errors(end)}
    if start and end and end < start:
        errors["ends_on"].append(_("The period ends before it starts."))
    return {field: messages for field, messages in errors.items() if messages}


def overlap_errors(periods: Sequence[tuple[date, date]]) -> list[str]:
    """Messages naming the periods (1-based, as shown) that overlap."""
    numbered = sorted(enumerate(periods, start=1), key=lambda item: item[1][0])
    return [
        _("Period %(second)s overlaps period %(first)s.") % {"first": a, "second": b}
        for (a, first), (b, second) in pairwise(numbered)
        if second[0] <= first[1]
    ]


def diagnosis_errors(jurisdiction: str, system: str, code: str) -> dict[str, list[str]]:
    if system not in CODE_SYSTEMS[jurisdiction]:
        return {"system": [_("This code system is not used in this country.")]}
    found = codes.lookup(system, code)
    label = CodeSystem(system).label
    if found is None:
        return {
            "code": [
                _("%(code)s is not a known %(system)s code.") % {"code": code, "system": label}
            ]
        }
    if jurisdiction == "NO" and not found.title_nb:
        # Nav takes only the codes of Norway's own lists: not ICD-10-SE's additions, nor a
        # three-character category that Norway's list divides further.
        return {
            "code": [
                _("%(code)s is not in Norway's %(system)s code list.")
                % {"code": code, "system": label}
            ]
        }
    return {}

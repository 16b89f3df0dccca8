"""Instruments under /api/v1/: definitions and scoring (public: no patient data), and a
patient's questionnaires (through the access policy, audited)."""

import json
import uuid
from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_patient_for, get_record_for
from stegvis.access.rules import ANSWERED_BY_THE_PATIENT
from stegvis.core.crisis_api import CrisisLinesOut
from stegvis.core.errors import ApiError, FieldErrors
from stegvis.instruments import selectors, services
from stegvis.instruments.definitions import Instrument, instrument, instruments
from stegvis.instruments.rules import ADMINISTRATION
from stegvis.instruments.scoring import AnswerErrors, score

router = Router(tags=["instruments"])


class OptionOut(Schema):
    value: int
    sv: str
    en: str


class ItemOut(Schema):
    number: int
    sv: str
    en: str
    minimum: int
    maximum: int
    options: list[OptionOut]
    low_sv: str
    low_en: str
    high_sv: str
    high_en: str
    reverse: bool


class BandOut(Schema):
    code: str
    minimum: float
    maximum: float


class InstrumentSummaryOut(Schema):
    code: str
    version: str
    name: str
    title_sv: str
    title_en: str
    scoring: str
    score_range: tuple[float, float]
    licence: str
    licence_note_sv: str
    licence_note_en: str
    enabled: bool
    source: str
    reviewed: date


class InstrumentOut(InstrumentSummaryOut):
    intro_sv: str
    intro_en: str
    required_items: int
    items: list[ItemOut]
    bands: list[BandOut]
    flags: list[str]


class ScoreOut(Schema):
    instrument: str
    total: float
    band: str | None
    flags: list[str]


def _languages(**texts) -> dict:
    """The API keeps each text as a `_sv` and `_en` pair."""
    pairs = {}
    for name, text in texts.items():
        pairs[f"{name}_sv"], pairs[f"{name}_en"] = text.sv, text.en
    return pairs


def _summary(definition: Instrument, enabled: set[str]) -> dict:
    return {
        "code": definition.code,
        "version": definition.version,
        "name": definition.name,
        **_languages(title=definition.title, licence_note=definition.licence_note),
        "scoring": definition.scoring,
        "score_range": definition.score_range,
        "licence": definition.licence,
        "enabled": definition.code in enabled,
        "source": definition.source,
        "reviewed": definition.reviewed,
    }


def _item_out(item) -> dict:
    return {
        "number": item.number,
        "sv": item.text.sv,
        "en": item.text.en,
        "minimum": item.minimum,
        "maximum": item.maximum,
        "options": [{"value": o.value, "sv": o.text.sv, "en": o.text.en} for o in item.options],
        **_languages(low=item.low, high=item.high),
        "reverse": item.reverse,
    }


def _definition(code: str) -> Instrument:
    definition = instrument(code)
    if definition is None:
        raise ApiError(404, "not_found", "No such instrument.")
    return definition


def _answers(request: HttpRequest, key: str = "answers") -> dict:
    """The answers object: the body itself, or its `answers` member."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, RecursionError):
        raise FieldErrors({"body": ["The body is not JSON."]}) from None
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        return body[key]
    return body


def _field_errors(errors: AnswerErrors) -> FieldErrors:
    """A 422 whose errors name each item: loc ["answers", "9"], "item 9: answer missing"."""
    return FieldErrors(
        {f"answers.{item}": [f"item {item}: {why}"] for item, why in errors.errors.items()}
    )


@router.get("/instruments", response=list[InstrumentSummaryOut], auth=None)
def instrument_list(request):
    enabled = services.enabled_codes()
    return [_summary(definition, enabled) for definition in instruments().values()]


@router.get("/instruments/{code}", response=InstrumentOut, auth=None)
def instrument_detail(request, code: str):
    definition = _definition(code)
    return {
        **_summary(definition, services.enabled_codes()),
        **_languages(intro=definition.intro),
        "required_items": definition.required_items,
        "items": [_item_out(item) for item in definition.items],
        "bands": [band.model_dump() for band in definition.bands],
        "flags": [flag.code for flag in definition.flags],
    }


@router.post(
    "/instruments/{code}/score",
    response=ScoreOut,
    auth=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": 'Item numbers as strings ("1"…"n") to the value '
                        'chosen as printed on the form; or {"answers": {...}}.',
                        "additionalProperties": True,
                    }
                }
            },
        }
    },
)
def instrument_score(request, code: str):
    """Score answers with the instrument's rule. Pure: nothing is stored or audited."""
    try:
        return score(_definition(code), _answers(request)).as_dict()
    except AnswerErrors as errors:
        raise _field_errors(errors) from None


class AdministrationOut(Schema):
    id: uuid.UUID
    instrument_code: str
    instrument_version: str
    occasion: str
    status: str
    due_on: date
    expires_on: date
    total: float | None
    band: str
    flags: list[str]
    completed_at: datetime | None


class AdministrationAnsweredOut(AdministrationOut, CrisisLinesOut):
    """The questionnaire as answered: an answer of self-harm shows the crisis lines."""


@router.get("/patients/{patient_id}/questionnaires", response=list[AdministrationOut])
def questionnaire_list(request, patient_id: uuid.UUID):
    patient = get_patient_for(
        request.user, patient_id, category=Category.QUESTIONNAIRES, object_type="questionnaires"
    )
    return list(selectors.administrations_of(patient))


@router.post("/administrations/{administration_id}/answers", response=AdministrationAnsweredOut)
def questionnaire_answer(request, administration_id: uuid.UUID):
    """The patient answers; a retry with the same answers returns the same result. When
    an answer tells of thoughts of self-harm (PHQ-9 item 9), `crisis_lines` names the
    crisis lines to show at once and alone, as the result page does; otherwise it is empty."""
    administration = get_record_for(
        request.user,
        ADMINISTRATION,
        administration_id,
        action=Action.UPDATE,
        checks=[ANSWERED_BY_THE_PATIENT],
    )
    try:
        services.administration_complete(
            actor=request.user, administration=administration, answers=_answers(request)
        )
    except AnswerErrors as errors:
        raise _field_errors(errors) from None
    except services.AlreadyAnswered:
        raise ApiError(409, "already_answered", "This questionnaire was answered.") from None
    administration.refresh_from_db()
    administration.crisis = services.crisis_after(administration)
    return administration

"""Instrument scoring: ranges, band edges, reversal, flags and refusals (with hypothesis),
the definitions API and the `stegvis score` command."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from stegvis.instruments.definitions import instrument, instruments
from stegvis.instruments.scoring import AnswerErrors, score

PHQ9 = instrument("phq9")
GAD7 = instrument("gad7")
OMPSQ = instrument("ompsq10")
PSFS = instrument("psfs")


def answers_for(definition, values):
    return {str(n): v for n, v in enumerate(values, start=1)}


def phq9_band(total):
    for top, band in ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately_severe")):
        if total <= top:
            return band
    return "severe"


def gad7_band(total):
    for top, band in ((4, "minimal"), (9, "mild"), (14, "moderate")):
        if total <= top:
            return band
    return "severe"


@given(st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_phq9_total_is_the_sum_with_the_published_bands(values):
    result = score(PHQ9, answers_for(PHQ9, values))
    assert result.total == sum(values)
    assert 0 <= result.total <= 27
    assert result.band == phq9_band(sum(values))
    assert ("self_harm" in result.flags) == (values[8] > 0)


@pytest.mark.parametrize(
    ("total", "band"),
    [(4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe")],
)  # fmt: skip
def test_phq9_band_edges(total, band):
    values = [3] * (total // 3) + ([total % 3] if total % 3 else [])
    values += [0] * (9 - len(values))
    # Keep item 9 at 0 so that the flag does not depend on how the total was made.
    values = sorted(values, reverse=True)
    assert score(PHQ9, answers_for(PHQ9, values)).band == band


def test_phq9_item_nine_above_zero_flags_self_harm_even_at_a_minimal_total():
    result = score(PHQ9, answers_for(PHQ9, [0] * 8 + [1]))
    assert result.band == "minimal"
    assert result.flags == ["self_harm"]


@given(st.lists(st.integers(0, 3), min_size=7, max_size=7))
def test_gad7_total_and_bands(values):
    result = score(GAD7, answers_for(GAD7, values))
    assert result.total == sum(values)
    assert result.band == gad7_band(sum(values))
    assert result.flags == []


@given(st.integers(1, 10), st.lists(st.integers(0, 10), min_size=9, max_size=9))
def test_ompsq_reverses_items_3_4_and_8(duration, rest):
    values = [duration, *rest]
    expected = sum(10 - v if n in (3, 4, 8) else v for n, v in enumerate(values, start=1))
    result = score(OMPSQ, answers_for(OMPSQ, values))
    assert result.total == expected
    assert 0 <= result.total <= 100
    assert result.band == ("high_risk" if expected >= 50 else "low_risk")


@pytest.mark.parametrize(("total", "band"), [(49, "low_risk"), (50, "high_risk")])
def test_ompsq_cut_off_is_fifty(total, band):
    # Items 3, 4 and 8 at 10 count 0; the rest carries the total.
    values = {str(n): 10 for n in (3, 4, 8)}
    remaining = total
    for n in (1, 2, 5, 6, 7, 9, 10):
        take = min(remaining, 10)
        if n == 1:
            take = max(1, min(remaining, 10))
        values[str(n)] = take
        remaining -= take
    assert score(OMPSQ, values).total == total
    assert score(OMPSQ, values).band == band


def test_ompsq_reversal_itself():
    low = {str(n): 1 if n == 1 else 0 for n in range(1, 11)}
    assert score(OMPSQ, low).total == 1 + 30
    assert score(OMPSQ, {**low, "3": 10}).total == 1 + 20


@given(st.lists(st.integers(0, 10), min_size=3, max_size=5))
def test_psfs_is_the_mean_of_the_rated_activities(values):
    result = score(PSFS, answers_for(PSFS, values))
    assert result.total == pytest.approx(sum(values) / len(values))
    assert result.band is None


@given(st.integers(0, 10))
def test_single_items(value):
    assert score(instrument("pain_nrs"), {"1": value}).total == value
    was = score(instrument("was"), {"1": value})
    assert was.band == ("poor" if value <= 5 else "moderate" if value <= 7 else "good")


@pytest.mark.parametrize("code", sorted(instruments()))
@given(data=st.data())
def test_an_answer_out_of_range_is_refused_naming_the_item(code, data):
    definition = instrument(code)
    answers = {item.key: item.maximum for item in definition.items}
    item = data.draw(st.sampled_from(definition.items))
    bad = data.draw(
        st.one_of(st.integers(max_value=item.minimum - 1), st.integers(min_value=item.maximum + 1))
    )
    answers[item.key] = bad
    with pytest.raises(AnswerErrors) as refused:
        score(definition, answers)
    assert list(refused.value.errors) == [item.key]


@pytest.mark.parametrize("code", sorted(instruments()))
def test_a_missing_required_answer_is_refused_naming_the_item(code):
    definition = instrument(code)
    answers = {item.key: item.minimum for item in definition.items}
    del answers["1"]
    with pytest.raises(AnswerErrors) as refused:
        score(definition, answers)
    assert refused.value.errors == {"1": "answer missing"}


def test_non_integers_and_unknown_items_are_refused():
    answers = answers_for(PHQ9, [0] * 9)
    with pytest.raises(AnswerErrors) as refused:
        score(PHQ9, {**answers, "2": "1", "3": True, "4": 1.5, "10": 0})
    assert set(refused.value.errors) == {"2", "3", "4", "10"}


def test_every_instrument_has_source_review_and_licence_and_unclear_ones_start_off():
    for definition in instruments().values():
        assert definition.source and definition.reviewed and definition.licence_note.en
        assert definition.enabled_by_default == (definition.licence == "free")
    assert not instrument("ompsq10").enabled_by_default
    assert not instrument("was").enabled_by_default


# --- API -------------------------------------------------------------------------------


def test_instrument_list_and_detail(client, db):
    listed = client.get("/api/v1/instruments").json()
    assert {i["code"] for i in listed} == {"phq9", "gad7", "ompsq10", "psfs", "pain_nrs", "was"}
    ompsq = next(i for i in listed if i["code"] == "ompsq10")
    assert ompsq["licence"] == "unclear" and ompsq["enabled"] is False
    detail = client.get("/api/v1/instruments/phq9").json()
    assert len(detail["items"]) == 9
    assert detail["items"][8]["en"].startswith("Thoughts that you would be better off dead")
    assert detail["flags"] == ["self_harm"]
    assert client.get("/api/v1/instruments/nope").status_code == 404


def test_score_endpoint(client, db):
    answers = answers_for(PHQ9, [1, 1, 1, 1, 1, 1, 1, 1, 2])
    response = client.post("/api/v1/instruments/phq9/score", answers, "application/json")
    assert response.status_code == 200
    assert response.json() == {
        "instrument": "phq9", "total": 10, "band": "moderate", "flags": ["self_harm"]
    }  # fmt: skip
    wrapped = client.post(
        "/api/v1/instruments/phq9/score", {"answers": answers}, "application/json"
    )
    assert wrapped.json()["total"] == 10


def test_score_endpoint_names_the_wrong_item(client, db):
    answers = answers_for(GAD7, [0] * 7)
    del answers["5"]
    answers["2"] = 4
    response = client.post("/api/v1/instruments/gad7/score", answers, "application/json")
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert errors == {
        ("answers", "2"): "item 2: 4 is not one of the options (0, 1, 2, 3)",
        ("answers", "5"): "item 5: answer missing",
    }


# --- command line ------------------------------------------------------------------------


def test_score_command_prints_the_result(monkeypatch, capsys):
    answers = {str(n): 1 if n == 1 else 10 for n in range(1, 11)}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(answers)))
    out = io.StringIO()
    call_command("score", "ompsq10", stdout=out)
    assert json.loads(out.getvalue()) == {
        "instrument": "ompsq10", "total": 61, "band": "high_risk", "flags": []
    }  # fmt: skip


def test_score_command_exits_non_zero_naming_the_item(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"1": 0}'))
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("score", "gad7", stderr=err)
    assert failed.value.returncode == 1
    assert "item 2: answer missing" in err.getvalue()


def test_score_command_as_a_process():
    """The real `stegvis score CODE < answers.json`, exit status included."""
    command = [sys.executable, "-m", "stegvis", "score", "phq9"]
    ok = subprocess.run(
        command, input=json.dumps({str(n): 3 for n in range(1, 10)}), capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["band"] == "severe"
    bad = subprocess.run(command, input='{"1": 9}', capture_output=True, text=True)
    assert bad.returncode == 1
    assert "item 1: 9 is not one of the options" in bad.stderr

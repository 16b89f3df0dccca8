"""The digital coach: the check-in page, feedback rules, strategies, the weekly summary,
and the staff trend page under the check-ins consent."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.audit.models import AccessEvent
from stegvis.coaching import feedback
from stegvis.coaching.guidance import feedback_rules, mentions_crisis, strategies
from stegvis.coaching.models import CheckIn, CoachFlag, Reminder, ReminderStatus
from stegvis.network import services as network
from stegvis.plans.selectors import plan_of
from stegvis.plans.services import plan_save
from tests.support import checkin_form as form_data
from tests.support import checkin_on

# --- the check-in page -------------------------------------------------------------------


def test_a_patient_checks_in_and_sees_feedback(client, personas):
    client.force_login(personas.patient)
    page = client.get("/checkin/")
    assert page.status_code == 200
    assert 'name="mood"' in page.text and 'class="zero-to-ten"' in page.text
    response = client.post("/checkin/", form_data(working="on", hours_worked="4"))
    checkin = CheckIn.objects.get(patient=personas.patient)
    assert response.status_code == 302 and response.url == f"/checkins/{checkin.pk}/"
    assert checkin.hours_worked == 4 and checkin.feedback_rule
    done = client.get(response.url)
    rule = next(r for r in feedback_rules() if r.code == checkin.feedback_rule)
    assert rule.message.sv.split(".")[0] in done.text
    assert AccessEvent.objects.filter(
        actor=personas.patient, category=Category.CHECKINS, action="create", basis="self"
    ).exists()


def test_every_answer_starts_unset_and_an_untouched_one_is_not_recorded(client, personas):
    checkin_on(personas.patient, 2, mood=8)
    client.force_login(personas.patient)
    page = client.get("/checkin/").text
    assert re.search(r'name="mood" id="id_mood" value=""', page), "no answer is filled in"
    assert "Förra gången: 8" in page
    data = form_data(note="Trött i dag")
    del data["pain"]
    assert client.post("/checkin/", data).status_code == 302
    latest = CheckIn.objects.filter(patient=personas.patient).latest("submitted_at")
    assert latest.pain is None and latest.mood == 6, "the untouched answer is not a guess"
    # Words alone are a check-in too; nothing at all is asked for again.
    words_only = {"submission_id": str(uuid.uuid4()), "note": "Bara ord i dag"}
    assert client.post("/checkin/", words_only).status_code == 302
    empty = client.post("/checkin/", {"submission_id": str(uuid.uuid4()), "note": " "})
    assert empty.status_code == 422
    assert "Svara på minst en fråga eller skriv några ord." in empty.text
    assert CheckIn.objects.filter(patient=personas.patient).count() == 3


def test_a_check_in_of_words_only_still_reaches_the_trend_and_the_rules(client, personas):
    checkin_on(personas.patient, 3, mood=4)
    client.force_login(personas.patient)
    words = {"submission_id": str(uuid.uuid4()), "note": "Jag vill inte leva längre"}
    crisis = client.post("/checkin/", words, follow=True)
    assert 'href="tel:90101"' in crisis.text, "crisis words are never held up by the form"
    trend = client.get("/checkins/").text
    assert trend.count("<svg") == 6 and "<td>–</td>" in trend


def test_a_retried_submission_makes_one_check_in(client, personas):
    client.force_login(personas.patient)
    data = form_data()
    first = client.post("/checkin/", data)
    again = client.post("/checkin/", data)
    assert first.url == again.url
    assert CheckIn.objects.filter(patient=personas.patient).count() == 1


def test_a_wrong_answer_is_refused_and_the_note_is_kept(client, personas):
    client.force_login(personas.patient)
    response = client.post("/checkin/", form_data(mood="11", note="Jobbigt möte i dag"))
    assert response.status_code == 422
    assert "Jobbigt möte i dag" in response.text
    assert not CheckIn.objects.exists()


def test_hours_are_only_kept_when_working(client, personas):
    client.force_login(personas.patient)
    client.post("/checkin/", form_data(hours_worked=""))
    assert CheckIn.objects.get().hours_worked is None


@pytest.mark.parametrize("persona", ["treating_physician", "employer", "outsider"])
def test_only_patients_have_a_check_in_page(client, personas, persona):
    client.force_login(personas.get(persona))
    assert client.get("/checkin/").status_code == 404


# --- feedback rules ----------------------------------------------------------------------


def test_a_worsening_fortnight_chooses_the_worsening_rule_and_raises_a_flag(personas):
    for days in (12, 11, 10):
        checkin_on(personas.patient, days, mood=8, energy=8, sleep=8)
    for days in (3, 2):
        checkin_on(personas.patient, days, mood=3, energy=3, sleep=3, stress=8)
    latest = checkin_on(personas.patient, 0, mood=3, energy=3, sleep=3, stress=8)
    assert latest.feedback_rule == "worsening"
    assert CoachFlag.objects.filter(patient=personas.patient, kind="worsening").count() == 1


def test_an_improving_fortnight_is_told_so(personas):
    for days in (12, 11):
        checkin_on(personas.patient, days, mood=3, energy=3)
    checkin_on(personas.patient, 2, mood=7, energy=8)
    assert checkin_on(personas.patient, 1, mood=8, energy=8).feedback_rule == "improving"


def test_after_missed_days_the_welcome_is_warm_and_never_scolding(personas):
    now = timezone.now()
    for days in (2, 3, 4):
        Reminder.objects.create(
            patient=personas.patient,
            occasion_on=(now - timedelta(days=days)).date(),
            due_at=now - timedelta(days=days),
            expires_at=now - timedelta(days=days) + timedelta(hours=20),
            status=ReminderStatus.EXPIRED,
        )
    checkin = checkin_on(personas.patient, 0)
    assert checkin.feedback_rule == "welcome_back"
    message = next(r for r in feedback_rules() if r.code == "welcome_back").message.en
    assert "missed" not in message.lower()


def test_an_action_due_soon_is_named_in_the_message(personas):
    case = personas.patient.cases.get()
    plan = plan_of(case)
    content = dict(plan.content)
    due = (timezone.localdate() + timedelta(days=2)).isoformat()
    content["actions"] = [{"text": "Ring chefen", "owner": "patient", "due_on": due}]
    plan_save(actor=personas.patient, plan=plan, new_content=content, base_version=plan.version)
    checkin = checkin_on(personas.patient, 0)
    assert checkin.feedback_rule == "action_due"
    assert "Ring chefen" in feedback.message_for(checkin.feedback_rule, checkin, timezone.now())


def test_strategies_fit_the_answers(personas):
    checkin = checkin_on(personas.patient, 0, sleep=2)
    assert "sleep" in checkin.strategies or "relaxation" in checkin.strategies
    assert all(
        {"sleep_low"} & set(strategies()[c].fits) or checkin.strategies for c in checkin.strategies
    )


def test_the_strategy_library_has_the_twelve_named_strategies_in_both_languages():
    expected = {
        "pacing", "graded_activity", "sleep", "behavioural_activation", "worry_time",
        "problem_solving", "talking_with_manager", "setbacks", "energy_budget", "relaxation",
        "asking_for_support", "part_time_return",
    }  # fmt: skip
    library = strategies()
    assert expected <= set(library)
    for strategy in library.values():
        assert strategy.title.sv and strategy.title.en and strategy.body.sv and strategy.body.en
        assert strategy.fits


def test_the_rules_end_with_one_that_always_holds():
    last = feedback_rules()[-1]
    assert (last.trend, last.missed_at_least, last.action_due_within_days) == (None, None, None)
    signals = feedback.Signals(trend="unknown", missed=0)
    assert feedback.choose_rule(signals).code == last.code


@pytest.mark.parametrize(
    ("text", "crisis"),
    [
        ("Jag har haft självmordstankar", True),
        ("ibland vill jag inte leva längre", True),
        ("I sometimes want to die", True),
        ("I feel suicidal", True),
        ("I don\u2019t want to live like this", True),
        ("Jobbig dag men jag tog en promenad", False),
        ("The pain made me tired", False),
        ("", False),
    ],
)
def test_crisis_words_in_swedish_and_english(text, crisis):
    assert mentions_crisis(text) is crisis


# --- trend and summary -------------------------------------------------------------------


def test_the_trend_page_draws_each_measure_with_a_table(client, personas):
    checkin_on(personas.patient, 3, mood=4)
    checkin_on(personas.patient, 1, mood=7)
    client.force_login(personas.patient)
    page = client.get("/checkins/")
    assert page.status_code == 200
    assert page.text.count("<svg") == 6
    assert "<polyline" in page.text and "<table>" in page.text


SVG_NUMBER_ATTRIBUTES = re.compile(
    r'\s(x|y|x1|x2|y1|y2|cx|cy|r|width|height|fill-opacity|points)="([^"]*)"'
)


def svg_attributes_that_are_not_numbers(html: str) -> list[str]:
    """Numbers a browser cannot parse: a decimal comma breaks every coordinate."""
    wrong = []
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        for name, value in SVG_NUMBER_ATTRIBUTES.findall(svg):
            for number in re.split(r"[\s,]+" if name == "points" else r"$^", value.strip()):
                try:
                    float(number)
                except ValueError:
                    wrong.append(f'{name}="{value}"')
    return wrong


@pytest.mark.parametrize("language", ["sv", "en"])
def test_chart_coordinates_are_never_written_with_a_decimal_comma(client, personas, language):
    for days_ago, mood in ((9, 3), (5, 4), (1, 7)):
        checkin_on(personas.patient, days_ago, mood=mood, pain=days_ago / 2)
    personas.patient.preferred_language = language
    personas.patient.save()
    client.force_login(personas.patient)
    page = client.get("/checkins/").text
    assert f'<html lang="{language}">' in page
    assert "<circle" in page and "<polyline" in page
    assert svg_attributes_that_are_not_numbers(page) == []


def test_the_weekly_summary_puts_what_went_well_first(client, personas):
    for days in (10, 9):
        checkin_on(personas.patient, days, sleep=3)
    for days in (2, 1):
        checkin_on(personas.patient, days, sleep=8)
    client.force_login(personas.patient)
    page = client.get("/checkins/week/")
    assert page.status_code == 200
    better = page.text.index("Bättre än veckan innan")
    assert "Sömn" in page.text[better : better + 200]


def test_a_coach_sees_the_trend_only_with_the_check_ins_consent(client, personas):
    from stegvis.accounts.roles import Role
    from tests.factories import UserFactory, member

    coach = member(UserFactory(), personas.other_unit, Role.COACH)
    checkin_on(personas.patient, 1)
    client.force_login(coach)
    url = f"/coach/patients/{personas.patient.pk}/"
    assert client.get(url).status_code == 404
    personas.with_consent(coach, [Category.IDENTITY, Category.CHECKINS])
    page = client.get(url)
    assert page.status_code == 200 and "<svg" in page.text
    # Without the capacity consent, no sick-leave degree or milestones are drawn.
    assert "Sjukskrivning" not in page.text


def test_an_employer_never_reaches_check_ins(client, personas):
    checkin_on(personas.patient, 1)
    with pytest.raises(network.ConsentNotAllowed):
        personas.with_consent(personas.employer, [Category.CHECKINS])
    client.force_login(personas.employer)
    assert client.get(f"/coach/patients/{personas.patient.pk}/").status_code == 404


def test_a_trend_chart_is_drawn_for_a_phone_and_its_labels_never_touch():
    # Issue 33: the check-in charts were drawn 640 wide with 10-unit text, about 5 px on a
    # phone. Now 340 wide with 16-unit text; labels that would touch are left out.
    from datetime import date, timedelta
    from itertools import pairwise

    from stegvis.coaching.charts import FONT, WIDTH, chart, label_width

    start = date(2026, 1, 5)
    end = start + timedelta(days=180)
    values = [(start + timedelta(days=i), i % 10) for i in range(0, 180, 3)]
    degrees = [(start, start + timedelta(days=2), 100), (start + timedelta(days=3), end, 50)]
    milestones = [(start + timedelta(days=d), f"M{d}") for d in (14, 15, 16, 90, 180)]
    drawn = chart("Smärta", values, start, end, degrees=degrees, milestones=milestones)
    assert (drawn.width, FONT) == (340, 16)
    xs = [x for x, _label in drawn.ticks]
    assert len(xs) >= 3
    for (x1, a), (x2, b) in pairwise(drawn.ticks):
        assert x2 - x1 >= (label_width(a) + label_width(b)) / 2
    assert all(x + label_width(label) / 2 <= WIDTH for x, label in drawn.ticks)
    # The three-day band is too narrow for "100%"; the long one is labelled.
    assert [(band.degree, band.labelled) for band in drawn.bands] == [(100, False), (50, True)]
    # Milestones a day apart: only the first of them is numbered on the chart.
    assert [mark.labelled for mark in drawn.marks] == [True, False, False, True, True]


def test_a_charts_days_are_written_as_the_readers_language_writes_them():
    from datetime import date

    from django.utils import translation

    from stegvis.coaching.charts import chart

    start = date(2026, 3, 2)  # a Monday
    for language, first in (("sv", "2/3"), ("en", "2/3"), ("nb", "2.3.")):
        with translation.override(language):
            drawn = chart("Smärta", [(start, 4)], start, date(2026, 3, 30))
        assert drawn.ticks[0][1] == first, language

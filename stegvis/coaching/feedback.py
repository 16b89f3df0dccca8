"""Feedback after a check-in: transparent rules over the recent weeks and the plan.

The signals are computed here; which message they lead to is data (data/feedback.toml),
and the rule that chose a message is kept with the check-in so anyone can see why.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import mean

from django.utils.translation import get_language

from stegvis.cases.deadlines import milestone_title
from stegvis.cases.models import Case, CaseStatus
from stegvis.coaching.guidance import FeedbackRule, Strategy, feedback_rules, strategies
from stegvis.coaching.models import HIGHER_IS_BETTER, MEASURES, CheckIn, Reminder, ReminderStatus

TREND_DAYS = 7
# A change of a whole point (of ten) in the weekly mean is a change the patient can feel.
TREND_STEP = 1.0
MIN_CHECKINS_PER_WEEK = 2
MISSED_DAYS = 14
MAX_STRATEGIES = 2


def wellbeing(checkin) -> float | None:
    """One number per check-in, 0–10, higher is better: pain and stress count inverted.
    The mean of what was answered; None for a check-in of words only."""
    answers = [(m, getattr(checkin, m)) for m in MEASURES]
    scores = [v if m in HIGHER_IS_BETTER else 10 - v for m, v in answers if v is not None]
    return mean(scores) if scores else None


def trend_of(checkins: list, now: datetime) -> str:
    """improving, stable or worsening: this week's mean against the week before's."""
    scored = [(c.submitted_at, w) for c in checkins if (w := wellbeing(c)) is not None]
    this_week = [w for at, w in scored if at > now - timedelta(TREND_DAYS)]
    week_before = [
        w for at, w in scored if now - timedelta(2 * TREND_DAYS) < at <= now - timedelta(TREND_DAYS)
    ]
    if min(len(this_week), len(week_before)) < MIN_CHECKINS_PER_WEEK:
        return "unknown"
    change = mean(this_week) - mean(week_before)
    if change >= TREND_STEP:
        return "improving"
    if change <= -TREND_STEP:
        return "worsening"
    return "stable"


def _value_signals(checkin) -> set[str]:
    tags = set()
    # An unanswered question says nothing either way.
    if (checkin.pain or 0) >= 7:
        tags.add("pain_high")
    if checkin.sleep is not None and checkin.sleep <= 3:
        tags.add("sleep_low")
    if (checkin.stress or 0) >= 7:
        tags.add("stress_high")
    if checkin.energy is not None and checkin.energy <= 3:
        tags.add("energy_low")
    if checkin.mood is not None and checkin.mood <= 3:
        tags.add("mood_low")
    if checkin.hours_worked:
        tags.add("working")
    return tags


@dataclass
class Signals:
    trend: str
    missed: int
    action: str = ""
    action_due_in: int | None = None
    milestone: str = ""
    milestone_in: int | None = None
    tags: set[str] = field(default_factory=set)


def _open_case(patient_id) -> Case | None:
    return (
        Case.objects.filter(
            patient_id=patient_id, status__in=(CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN)
        )
        .order_by("-opened_on")
        .first()
    )


def _next_action(case: Case | None, today: date) -> tuple[str, int | None]:
    plan = getattr(case, "rtw_plan", None) if case else None
    due = [
        (date.fromisoformat(a["due_on"]), a["text"])
        for a in (plan.content.get("actions", []) if plan else [])
        if a.get("status") == "open" and a.get("due_on") and a["due_on"] >= today.isoformat()
    ]
    if not due:
        return "", None
    day, text = min(due)
    return text, (day - today).days


def signals_for(checkin: CheckIn, now: datetime) -> Signals:
    recent = list(
        CheckIn.objects.filter(
            patient_id=checkin.patient_id, submitted_at__gt=now - timedelta(2 * TREND_DAYS)
        ).only(*MEASURES, "submitted_at")
    )
    missed = Reminder.objects.filter(
        patient_id=checkin.patient_id,
        status=ReminderStatus.EXPIRED,
        due_at__gt=now - timedelta(MISSED_DAYS),
    ).count()
    today = checkin.local_date
    case = _open_case(checkin.patient_id)
    action, action_due_in = _next_action(case, today)
    signals = Signals(trend_of(recent, now), missed, action, action_due_in)
    if case and case.next_deadline_on and case.next_deadline_on >= today:
        signals.milestone = milestone_title(
            case.jurisdiction, case.next_deadline_code, get_language() or "sv"
        )
        signals.milestone_in = (case.next_deadline_on - today).days
    signals.tags = _value_signals(checkin) | {signals.trend}
    if missed >= 3:
        signals.tags.add("many_missed")
    if action_due_in is not None and action_due_in <= 3:
        signals.tags.add("action_due")
    if signals.milestone_in is not None and signals.milestone_in <= 7:
        signals.tags.add("milestone_soon")
    return signals


def _holds(rule: FeedbackRule, signals: Signals) -> bool:
    if rule.trend is not None and rule.trend != signals.trend:
        return False
    if rule.missed_at_least is not None and signals.missed < rule.missed_at_least:
        return False
    if rule.action_due_within_days is not None and (
        signals.action_due_in is None or signals.action_due_in > rule.action_due_within_days
    ):
        return False
    return rule.milestone_within_days is None or (
        signals.milestone_in is not None and signals.milestone_in <= rule.milestone_within_days
    )


def choose_rule(signals: Signals) -> FeedbackRule:
    """The first rule whose conditions all hold (the last one has none)."""
    return next(rule for rule in feedback_rules() if _holds(rule, signals))


def suggest_strategies(signals: Signals, day: date) -> list[Strategy]:
    """Up to two strategies that fit, most fitting first, rotating by day for variety."""
    library = list(strategies().values())
    scored = [(len(set(s.fits) & signals.tags), s) for s in library]
    fitting = [s for n, s in sorted(scored, key=lambda pair: -pair[0]) if n]
    if not fitting:
        return []
    start = day.toordinal() % len(fitting)
    rotated = fitting[start:] + fitting[:start]
    best = max(n for n, _s in scored)
    top = [s for s in rotated if len(set(s.fits) & signals.tags) == best]
    rest = [s for s in rotated if s not in top]
    return (top + rest)[:MAX_STRATEGIES]


def message_for(rule_code: str, checkin: CheckIn, now: datetime) -> str:
    """The chosen rule's message in the reader's language, with its blanks filled in."""
    rules = {rule.code: rule for rule in feedback_rules()}
    rule = rules.get(rule_code) or rules["thanks"]
    signals = signals_for(checkin, now)
    return str(rule.message).format(action=signals.action, milestone=signals.milestone)

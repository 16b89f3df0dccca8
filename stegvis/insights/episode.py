"""One case's course, computed from its certified periods and its closing: when it started,
when it ended and how (back at work, another exit, or censored), and its net days.

Pure functions of plain values, so each rule is tested by hand-built cases."""

from dataclasses import dataclass
from datetime import date, timedelta

from stegvis.insights.definitions import ExtractRules

OTHER_EXIT, RTW, CENSORED = "other_exit", "rtw", "censored"


@dataclass(frozen=True)
class Leave:
    """A certified period; a later `order` (a newer certificate) overrides an earlier one."""

    start: date
    end: date
    degree: int
    order: int = 0


@dataclass(frozen=True)
class Course:
    start: date
    end: date  # the event day, or the day follow-up was censored
    outcome: str
    net_days: float

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def effective(leaves: list[Leave]) -> list[Leave]:
    """Non-overlapping segments in date order: where certificates overlap, the newer one's
    degree holds (a corrected certificate replaces what it covers)."""
    segments: list[Leave] = []
    for leave in sorted(leaves, key=lambda item: item.order):
        kept = []
        for seg in segments:
            if seg.end < leave.start or seg.start > leave.end:
                kept.append(seg)
                continue
            if seg.start < leave.start:
                kept.append(Leave(seg.start, leave.start - timedelta(days=1), seg.degree))
            if seg.end > leave.end:
                kept.append(Leave(leave.end + timedelta(days=1), seg.end, seg.degree))
        segments = [*kept, Leave(leave.start, leave.end, leave.degree)]
    return sorted((s for s in segments if s.degree > 0), key=lambda s: s.start)


def net_days(segments: list[Leave], start: date, end: date) -> float:
    """Sick-leave days from `start` up to, not including, `end`, a partial day counted by
    its degree (two half days make one net day, as Försäkringskassan counts)."""
    total = 0.0
    for seg in segments:
        first, last = max(seg.start, start), min(seg.end, end - timedelta(days=1))
        if first <= last:
            total += ((last - first).days + 1) * seg.degree / 100
    return total


def first_return(segments: list[Leave], as_of: date, rtw_days: int) -> date | None:
    """The first day of `rtw_days` days in a row without sick leave, all before `as_of`:
    a shorter gap links the periods around it into one spell."""
    for current, following in zip(segments, [*segments[1:], None], strict=False):
        back = current.end + timedelta(days=1)
        next_leave = following.start if following else None
        free_until = next_leave or as_of  # the first day that is not free (or not yet seen)
        if (free_until - back).days >= rtw_days:
            return back
    return None


def course(
    *,
    day_one: date,
    leaves: list[Leave],
    closed_on: date | None,
    closed_reason: str,
    as_of: date,
    rules: ExtractRules,
) -> Course:
    certified = effective(leaves)
    # Before the first certificate the person was off sick on their own word (the first
    # week) or not yet certified: full-time, from day one (as the case's timeline counts).
    lead_in_end = (certified[0].start if certified else (closed_on or as_of)) - timedelta(days=1)
    if day_one <= lead_in_end:
        leaves = [Leave(day_one, lead_in_end, 100, order=-1), *leaves]
    segments = effective(leaves)
    start = min([day_one, *(s.start for s in segments)])
    last_leave_end = segments[-1].end if segments else None
    closing = rules.closed_reasons.get(closed_reason) if closed_on else None
    # An exit or a loss to follow-up ends what is seen of the case on its closing day.
    lost = closing in (OTHER_EXIT, CENSORED)
    observed_until = min(as_of, closed_on) if lost else as_of
    back = first_return(segments, observed_until, rules.rtw_days)
    if back is not None:
        end, outcome = back, RTW
    elif closing == OTHER_EXIT:
        end, outcome = closed_on, OTHER_EXIT
    elif closing == RTW:
        # Back the day after the last certified day, or on the closing day if that came
        # first (back before the certificate ran out).
        end = min(last_leave_end + timedelta(days=1), closed_on) if last_leave_end else closed_on
        outcome = RTW
    elif closing == CENSORED:
        end, outcome = closed_on, CENSORED
    else:
        end, outcome = as_of, CENSORED
    end = max(end, start)
    return Course(start, end, outcome, net_days(segments, start, end))

"""Benchmark: the deadline engine on 100 000 synthetic cases (no database).

Prints cases per second for the engine alone, and with the API's input validation in
front of it. Usage: python bench/timelines.py [--cases 100000] [--seed 1]
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stegvis.settings")

import django

django.setup()

from stegvis.cases.deadlines import EMPLOYMENTS, Period, TimelineInput, milestones  # noqa: E402
from stegvis.cases.timeline_input import TimelineIn  # noqa: E402


def synthetic_case(rng: random.Random) -> TimelineInput:
    jurisdiction = rng.choice(["SE", "SE", "SE", "NO"])
    degrees = [25, 50, 75, 100] if jurisdiction == "SE" else [20, 40, 50, 60, 80, 100]
    start = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
    periods = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        end = start + timedelta(days=int(rng.expovariate(1 / 60)))
        periods.append(Period(start, end, rng.choice(degrees)))
        start = end + timedelta(days=1 + int(rng.expovariate(1 / 60)))
    return TimelineInput(
        jurisdiction=jurisdiction,
        employment=rng.choice(EMPLOYMENTS),
        periods=periods,
        expected_days=rng.choice([None, 30, 60, 90, 180, 365]),
        expectation_known=periods[0].start + timedelta(days=rng.randrange(60)),
        birth_date=date(1960, 1, 1) + timedelta(days=rng.randrange(15000)),
    )


def as_json(case: TimelineInput) -> dict:
    return {
        "jurisdiction": case.jurisdiction,
        "employment": case.employment,
        "periods": [
            {"from": p.start.isoformat(), "to": p.end.isoformat(), "degree": p.degree}
            for p in case.periods
        ],
        "expected_days": case.expected_days,
        "expectation_known": case.expectation_known.isoformat(),
        "birth_date": case.birth_date.isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = [synthetic_case(rng) for _ in range(args.cases)]

    started = time.perf_counter()
    total = sum(len(milestones(case)) for case in cases)
    engine = time.perf_counter() - started
    print(
        f"Deadline engine: {args.cases} cases, {total} milestones in {engine:.2f} s "
        f"= {args.cases / engine:,.0f} cases/s"
    )

    payloads = [as_json(case) for case in cases]
    started = time.perf_counter()
    for payload in payloads:
        milestones(TimelineIn.model_validate(payload).to_input())
    validated = time.perf_counter() - started
    print(
        f"With input validation (as POST /api/v1/timeline): {validated:.2f} s "
        f"= {args.cases / validated:,.0f} cases/s"
    )


if __name__ == "__main__":
    main()

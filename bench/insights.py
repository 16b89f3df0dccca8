"""Benchmark: the insights at scale.

Loads `stegvis synth --years 5` into a throw-away database (SQLite, or the PostgreSQL of
DATABASE_URL, where a seed already loaded is kept), rebuilds the analysis extract, closes a
day's worth of cases and refreshes it incrementally, as the worker does, then computes every
reader's figures as the worker does after each refresh. Then times the insights pages and the
API for a unit manager and for a region analyst: the first reader after the worker's warming,
a second reader, and what the first reader would wait were nothing warmed. Prints where the
time goes in the refresh and in the slowest unwarmed page.
Usage: python bench/insights.py [--patients 20000]
(Västra Götaland's size is about 450 000 cases over five years.)
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stegvis.settings")
VAR = tempfile.mkdtemp(prefix="stegvis-bench-")
os.environ.setdefault("STEGVIS_VAR_DIR", VAR)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{VAR}/bench.sqlite3")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["STEGVIS_DEMO"] = "1"
os.environ.setdefault("DEBUG", "1")  # templates find static files without collectstatic

import django  # noqa: E402

django.setup()

from allauth.mfa.models import Authenticator  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from stegvis.accounts.models import Membership, Organisation, User  # noqa: E402
from stegvis.accounts.roles import OrganisationKind, Role  # noqa: E402
from stegvis.cases.models import Case, CaseStatus, ClosedReason  # noqa: E402
from stegvis.insights.extract import refresh  # noqa: E402
from stegvis.insights.models import ExtractState  # noqa: E402
from stegvis.insights.warming import warm  # noqa: E402

PAGES = [
    "/insights/",
    "/insights/?group_by=unit",
    "/insights/?group_by=sex",
    "/insights/variation/",
    "/insights/process/",
    "/api/v1/insights/time-to-rtw?group_by=age_band&competing=true",
]


def timed(label: str, run):
    started = time.perf_counter()
    result = run()
    print(f"  {label:<48} {time.perf_counter() - started:7.2f} s")
    return result


# The parts of a refresh and of a cold page, by function name, for "where the time goes".
REFRESH_PARTS = ["_changed_since", "_leaves", "_main_diagnoses", "_dfa", "_facts", "_baselines",
                 "_checkins", "course", "bulk_create"]  # fmt: skip
PAGE_PARTS = ["observations_of", "time_to_rtw", "km_curves", "render"]


def profiled(label: str, run, parts: list[str]):
    """Run once under cProfile; print the time and the share of it in each named part."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    result = profile.runcall(run)
    total = time.perf_counter() - started
    print(f"  {label:<48} {total:7.2f} s")
    stats = pstats.Stats(profile).stats
    for part in parts:
        inside = max(
            (cumulative for (_f, _l, name), (_c, _n, _t, cumulative, _) in stats.items()
             if name == part),
            default=0.0,
        )  # fmt: skip
        print(f"    {part:<46} {inside:7.2f} s")
    return result


def reader(role: str, organisation: Organisation) -> Client:
    user, created = User.objects.get_or_create(email=f"{role}@bench.invalid")
    if created:  # a database kept from an earlier run has them
        Membership.objects.create(user=user, organisation=organisation, role=role)
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "A"})
    client = Client()
    client.force_login(user)
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    args = parser.parse_args()
    print(f"Database: {os.environ['DATABASE_URL'].split(':', 1)[0]}, {args.patients} cases")
    call_command("migrate", verbosity=0)
    timed("synth (five years of history)", lambda: call_command(
        "synth", patients=args.patients, seed=1, years=5, verbosity=0
    ))  # fmt: skip
    full = timed("extract: full rebuild", lambda: refresh(full=True))
    # A day's changes: a thousandth of the cases close, as a worker would see them.
    open_cases = Case.objects.exclude(status=CaseStatus.CLOSED)
    ids = list(open_cases.values_list("pk", flat=True)[: max(1, args.patients // 1000)])
    Case.objects.filter(pk__in=ids).update(
        status=CaseStatus.CLOSED,
        closed_on=timezone.localdate(),
        closed_reason=ClosedReason.RETURNED_TO_WORK,
    )
    region = Organisation.objects.filter(kind=OrganisationKind.REGION).first()
    unit = Organisation.objects.filter(kind=OrganisationKind.CARE_UNIT).first()
    readers = {
        "unit manager": reader(Role.UNIT_MANAGER, unit),
        "region analyst": reader(Role.REGION_ANALYST, region),
    }
    incremental = profiled("extract: incremental refresh after a day", refresh, REFRESH_PARTS)
    print(f"  rows: {full['rows']} rebuilt, {incremental['rows']} refreshed")
    scopes = timed("worker: every reader's figures (warm)", warm)
    print(f"  scopes warmed: {scopes}")
    for label, client in readers.items():
        print(f" {label}: {'first':>40} {'again':>9} {'unwarmed':>9}")
        for page in PAGES:
            seconds = []
            for _time in ("first", "again"):  # after the worker's warming, then remembered
                started = time.perf_counter()
                response = client.get(page, HTTP_HOST="127.0.0.1")
                seconds.append(time.perf_counter() - started)
                assert response.status_code == 200, (page, response.status_code)
            # What the first reader would wait without the worker: a version nobody warmed.
            ExtractState.objects.update(version=F("version") + 1)
            started = time.perf_counter()
            client.get(page, HTTP_HOST="127.0.0.1")
            seconds.append(time.perf_counter() - started)
            warm()  # the next page's first reader finds the worker's figures again
            print(f"  {page:<40} {seconds[0]:7.2f} s {seconds[1]:7.2f} s {seconds[2]:7.2f} s")
    # Where a cold page spends its time: the region's curves by unit, the slowest.
    client = reader(Role.REGION_ANALYST, region)
    ExtractState.objects.update(version=F("version") + 1)  # forget what was remembered
    profiled(
        "cold /insights/?group_by=unit, region",
        lambda: client.get("/insights/?group_by=unit", HTTP_HOST="127.0.0.1"),
        PAGE_PARTS,
    )


if __name__ == "__main__":
    main()

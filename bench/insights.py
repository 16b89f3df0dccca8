"""Benchmark: the insights at scale.

Loads `stegvis synth --years 5` into a throw-away database (SQLite, or the PostgreSQL of
DATABASE_URL), rebuilds the analysis extract, changes a day's worth of cases (new
certificates, closings) and refreshes it incrementally, then times the insights pages and
the API (warm: the second of two requests) for a unit manager and for a region analyst.
Prints where the time goes. Usage: python bench/insights.py [--patients 20000]
(Västra Götaland's size is about 450 000 cases over five years.)
"""

import argparse
import os
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
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from stegvis.accounts.models import Membership, Organisation, User  # noqa: E402
from stegvis.accounts.roles import OrganisationKind, Role  # noqa: E402
from stegvis.cases.models import Case, CaseStatus, ClosedReason  # noqa: E402
from stegvis.insights.extract import refresh  # noqa: E402

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


def reader(role: str, organisation: Organisation) -> Client:
    user = User.objects.create(email=f"{role}@bench.invalid")
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
    incremental = timed("extract: incremental refresh after a day", refresh)
    print(f"  rows: {full['rows']} rebuilt, {incremental['rows']} refreshed")
    region = Organisation.objects.filter(kind=OrganisationKind.REGION).first()
    unit = Organisation.objects.filter(kind=OrganisationKind.CARE_UNIT).first()
    for label, client in (
        ("unit manager", reader(Role.UNIT_MANAGER, unit)),
        ("region analyst", reader(Role.REGION_ANALYST, region)),
    ):
        print(f" {label}:")
        for page in PAGES:
            client.get(page, HTTP_HOST="127.0.0.1")  # warm
            response = timed(page, lambda p=page, c=client: c.get(p, HTTP_HOST="127.0.0.1"))
            assert response.status_code == 200, (page, response.status_code)


if __name__ == "__main__":
    main()

"""Benchmark: access decisions through consents, and the PDFs.

Builds a throw-away SQLite database with one employer manager who holds consents for N
employees (and N more patients they may not see), then prints access decisions per second
through a consent and refused ones, the employer's caseload query, and the time to render
each PDF. Usage: python bench/consents.py [--patients 1000]
"""

import argparse
import os
import statistics
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

import django  # noqa: E402

django.setup()

from allauth.mfa.models import Authenticator  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402

from stegvis.access.categories import Category  # noqa: E402
from stegvis.access.policy import cases_visible_to, decide  # noqa: E402
from stegvis.accounts.models import Membership, Organisation, User  # noqa: E402
from stegvis.accounts.roles import OrganisationKind, Role  # noqa: E402
from stegvis.cases.models import Case  # noqa: E402
from stegvis.core.pdf import pdf_response  # noqa: E402
from stegvis.network import services as network  # noqa: E402
from stegvis.plans import selectors, services  # noqa: E402


def build(n: int):
    unit = Organisation.objects.create(name="Vårdcentralen", kind=OrganisationKind.CARE_UNIT)
    firm = Organisation.objects.create(name="Bageriet", kind=OrganisationKind.EMPLOYER)
    manager = User.objects.create(email="chef@bench.invalid")
    Membership.objects.create(user=manager, organisation=firm, role=Role.EMPLOYER_MANAGER)
    Authenticator.objects.create(user=manager, type=Authenticator.Type.TOTP, data={"secret": "A"})
    shared, others = [], []
    for i in range(2 * n):
        patient = User.objects.create(email=f"p{i}@bench.invalid", given_name=f"P{i}")
        Membership.objects.create(user=patient, organisation=unit, role=Role.PATIENT)
        Case.objects.create(patient=patient, organisation=unit)
        if i % 2:
            others.append(patient)
            continue
        member = network.member_add(
            actor=patient, user=manager, organisation=firm, role=Role.EMPLOYER_MANAGER
        )
        for category in (Category.IDENTITY, Category.CAPACITY):
            network.consent_grant(actor=patient, member=member, category=category,
                                  purpose="employer_dialogue")  # fmt: skip
        shared.append(patient)
    return manager, shared, others


def rate(label: str, fn, items) -> None:
    start = time.perf_counter()
    for item in items:
        fn(item)
    elapsed = time.perf_counter() - start
    print(f"{label:<52} {len(items) / elapsed:>9.0f} /s")


class FakeRequest:
    def build_absolute_uri(self, path="/"):
        return "http://bench.invalid" + path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    manager, shared, others = build(args.patients)
    print(f"built {len(shared)} consented + {len(others)} other patients "
          f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    def allowed(patient):
        manager.__dict__.pop("_memberships_cache", None)
        assert decide(manager, patient, Category.CAPACITY).allowed

    def refused(patient):
        manager.__dict__.pop("_memberships_cache", None)
        assert not decide(manager, patient, Category.SICK_LEAVE).allowed

    rate("decisions allowed through a consent (capacity)", allowed, shared)
    rate("decisions refused (diagnosis, never for an employer)", refused, shared)

    def no_consent(patient):
        manager.__dict__.pop("_memberships_cache", None)
        assert not decide(manager, patient, Category.CAPACITY).allowed

    rate("decisions refused (no consent)", no_consent, others)

    timings = []
    for _ in range(20):
        start = time.perf_counter()
        count = len(list(cases_visible_to(manager, Category.IDENTITY)[:50]))
        timings.append(time.perf_counter() - start)
    print(f"employer caseload page of {count} out of {len(shared)}: "
          f"median {statistics.median(timings) * 1000:.1f} ms")  # fmt: skip

    case = Case.objects.get(patient=shared[0])
    case.access_decision = decide(shared[0], shared[0], Category.PLAN)
    plan = services.plan_for(case)
    context = selectors.plan_context(case, plan, True)
    for template, ctx in (
        ("plans/pdf/plan.html", context),
        ("plans/pdf/capacity_note.html", {"case": case, "note": services.capacity_note_for(case)}),
        ("plans/pdf/employer_plan.html",
         selectors.employer_plan_context(shared[0], case, services.employer_plan_for(case))),
    ):  # fmt: skip
        render_to_string(template, ctx)
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            pdf_response(FakeRequest(), template, ctx, "x.pdf")
            timings.append(time.perf_counter() - start)
        print(f"PDF {template:<40} median {statistics.median(timings) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

import io

import pytest
from django.core.management import CommandError, call_command
from django.tasks import TaskResultStatus
from django.test import override_settings

from stegvis.accounts.models import Membership, Organisation, User
from stegvis.audit.audit import verify
from stegvis.audit.models import AccessEvent
from stegvis.audit.tasks import verify_audit_chain
from stegvis.cases.models import Case
from stegvis.demo.management.commands.demo import PATIENTS
from stegvis.demo.programs import FINISHED


def _counts() -> tuple:
    return tuple(m.objects.count() for m in (User, Organisation, Membership, Case, AccessEvent))


def test_demo_refuses_without_demo_mode(db, settings):
    settings.STEGVIS_DEMO = False
    with pytest.raises(CommandError, match="STEGVIS_DEMO"):
        call_command("demo")
    assert User.objects.count() == 0


def test_demo_is_idempotent(db, settings, capsys):
    settings.STEGVIS_DEMO = True
    call_command("demo")
    first = _counts()
    passwords = dict(User.objects.values_list("email", "password"))
    call_command("demo")
    assert _counts() == first
    assert dict(User.objects.values_list("email", "password")) == passwords
    output = capsys.readouterr().out
    assert "sara@demo.stegvis.invalid" in output and "stegvis-demo-2026" in output
    # The eight patients the README names, and the finished MMR cohort's eight.
    solbacken = Case.objects.filter(organisation__name="Vårdcentralen Solbacken")
    assert solbacken.count() == len(PATIENTS) + len(FINISHED) and verify().ok


def test_synth_generates_deterministic_data_at_scale(db, settings):
    settings.STEGVIS_DEMO = True
    call_command("synth", patients=500, seed=7)
    assert Case.objects.count() == 500
    assert User.objects.filter(memberships__role="physician").count() == 4
    first_patient = User.objects.get(email="s7-p0@synth.stegvis.invalid")
    call_command("synth", patients=500, seed=7)
    assert Case.objects.count() == 500
    assert first_patient.pk.hex == User.objects.get(email="s7-p0@synth.stegvis.invalid").pk.hex


def test_synth_refuses_in_production(db, settings):
    settings.STEGVIS_DEMO = False
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("synth", patients=10, seed=1)


# The worker closes connections between tasks, which only a transactional test survives.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_worker_runs_queued_tasks():
    queued = verify_audit_chain.enqueue()
    call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", "--no-schedule")
    queued.refresh()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert queued.return_value["ok"] is True


def test_synth_gives_histories_with_returns_exits_and_open_cases(db, settings):
    from collections import Counter

    from stegvis.cases.models import Certificate
    from stegvis.insights.extract import refresh
    from stegvis.insights.models import CaseExtract

    settings.STEGVIS_DEMO = True
    call_command("synth", patients=400, seed=5, years=3, stdout=io.StringIO())
    assert Certificate.objects.filter(status="draft").count() == 0
    assert Certificate.objects.count() > 400
    refresh(full=True)
    outcomes = Counter(CaseExtract.objects.values_list("outcome", flat=True))
    assert outcomes["rtw"] > outcomes["censored"] > 0 and outcomes["other_exit"] >= 0
    # A week or less is on the person's own word: only longer cases have a certificate.
    certified = CaseExtract.objects.filter(certificates__gt=0)
    assert certified.count() > 300 and not certified.filter(diagnosis_group="").exists()
    assert {"female", "male"} <= set(CaseExtract.objects.values_list("sex", flat=True))


def test_synth_writes_process_facts_with_each_units_habits(db, settings):
    """Issue 33: the histories recorded no process facts, so "plan by day 30" and
    "coordinator within 14 days" were 0 % everywhere and "full-time where FMB suggests
    part-time" had no case. Now each is there, short of everyone, and differs by unit."""
    from django.db.models import F

    from stegvis.insights import measures
    from stegvis.insights.extract import refresh
    from stegvis.insights.models import CaseExtract

    settings.STEGVIS_DEMO = True
    call_command("synth", patients=1350, seed=7, years=1, stdout=io.StringIO())
    refresh(full=True)
    rows = CaseExtract.objects.all()
    shares = {}
    for code in ("plan_by_day_30", "coordinator_within_14", "employer_plan", "sip_held",
                 "full_time_where_partial"):  # fmt: skip
        found = measures.counts(code, rows, "organisation")
        assert len(found) == 3, code  # every unit has cases the measure applies to
        shares[code] = [x / n for n, x in found.values()]
        assert all(0.05 < share < 0.95 for share in shares[code]), (code, found)
    # The units' habits differ: at least ten percentage points between two of them.
    for code in ("plan_by_day_30", "coordinator_within_14", "full_time_where_partial"):
        assert max(shares[code]) - min(shares[code]) > 0.1, (code, shares[code])
    # Nothing is recorded before a case began or after it ended.
    for column in ("first_coordinator_contact", "employer_plan_done", "sip_held"):
        dated = rows.exclude(**{column: None})
        assert dated.exists() and not dated.filter(**{f"{column}__lte": F("start_date")}).exists()
        assert not dated.filter(**{f"{column}__gt": F("end_date")}).exists(), column

import io

import pytest
from django.core.management import CommandError, call_command
from django.tasks import TaskResultStatus
from django.test import override_settings

from stegvis.access.audit import verify
from stegvis.access.models import AccessEvent
from stegvis.access.tasks import verify_audit_chain
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.cases.models import Case
from stegvis.portal.demo_programs import FINISHED
from stegvis.portal.management.commands.demo import PATIENTS


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

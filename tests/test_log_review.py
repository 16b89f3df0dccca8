from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from stegvis.access.models import LogReview
from stegvis.audit.models import AccessEvent


def _sample(client, personas, **extra):
    today = timezone.localdate()
    data = {
        "organisation": personas.unit.pk,
        "kind": "random",
        "start": (today - timedelta(days=1)).isoformat(),
        "end": today.isoformat(),
        "sample_size": 10,
        **extra,
    }
    client.force_login(personas.unit_manager)
    return client.post(reverse("log_reviews"), data)


def _accesses(client, personas):
    client.force_login(personas.treating_physician)
    client.get(f"/api/v1/patients/{personas.patient.pk}")
    client.force_login(personas.unrelated_physician)
    client.get(f"/api/v1/patients/{personas.patient.pk}")


def test_a_random_sample_draws_events_about_the_units_patients(client, personas):
    _accesses(client, personas)
    response = _sample(client, personas)
    review = LogReview.objects.get()
    assert response["Location"] == reverse("log_review", args=[review.pk])
    patients = {e.patient_id for e in review.events.all()}
    assert patients == {personas.patient.pk}


def test_a_targeted_sample_finds_refused_attempts(client, personas):
    _accesses(client, personas)
    _sample(client, personas, kind="targeted", denied_only="on")
    review = LogReview.objects.get()
    assert {e.outcome for e in review.events.all()} == {"denied"}
    assert {e.actor_id for e in review.events.all()} == {personas.unrelated_physician.pk}


def test_reading_a_sample_is_itself_audited(client, personas):
    _accesses(client, personas)
    _sample(client, personas)
    review = LogReview.objects.get()
    reads = AccessEvent.objects.filter(actor=personas.unit_manager, object_type="log_review")
    before = reads.count()
    client.get(reverse("log_review", args=[review.pk]))
    # One patient in the sample: exactly one more event.
    assert reads.count() == before + 1
    assert reads.latest("pk").category == "access_log"


def test_the_outcome_is_recorded(client, personas):
    _accesses(client, personas)
    _sample(client, personas)
    review = LogReview.objects.get()
    client.post(
        reverse("log_review", args=[review.pk]),
        {"outcome": "follow_up", "notes": "Ask Norrgården why."},
    )
    review.refresh_from_db()
    assert (review.outcome, review.notes) == ("follow_up", "Ask Norrgården why.")
    assert review.completed_at is not None


def test_an_invalid_period_keeps_the_form_and_draws_nothing(client, personas):
    today = timezone.localdate()
    response = _sample(
        client, personas, start=today.isoformat(), end=(today - timedelta(days=3)).isoformat()
    )
    assert response.status_code == 200
    assert not LogReview.objects.exists()
    assert f'value="{today.isoformat()}"' in response.content.decode()


def test_other_units_reviews_are_not_found(client, personas):
    _sample(client, personas)
    review = LogReview.objects.get()
    client.force_login(personas.coordinator)
    assert client.get(reverse("log_review", args=[review.pk])).status_code == 404

import pytest
from django.core.checks import run_checks

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def _ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("STEGVIS_SECRET_KEY_GENERATED", True, "stegvis.E002"),
        ("STEGVIS_DEMO", True, "stegvis.E001"),
        ("STEGVIS_DATA_KEY", None, "stegvis.W001"),
        ("STEGVIS_AUDIT_KEYS", None, "stegvis.W002"),
        ("STEGVIS_PSEUDONYM_KEY", None, "stegvis.W003"),
        ("CACHES", {"default": {"BACKEND": LOCMEM}}, "stegvis.E003"),
        ("STEGVIS_STAFF_PASSWORD_SIGN_IN", True, "stegvis.W004"),
        ("STEGVIS_SMART_SIGNING_KEY_GENERATED", True, "stegvis.E005"),
        ("STEGVIS_VAPID_KEY_GENERATED", True, "stegvis.E006"),
    ],
)
def test_deploy_checks_refuse_unsafe_production_settings(db, settings, setting, value, check_id):
    settings.STEGVIS_SECRET_KEY_GENERATED = False
    settings.STEGVIS_DEMO = False
    settings.STEGVIS_DATA_KEY = "a-long-random-data-key"
    settings.STEGVIS_AUDIT_KEYS = "k1:a-long-random-audit-key"
    settings.STEGVIS_PSEUDONYM_KEY = "a-long-random-pseudonym-key"
    settings.STEGVIS_STAFF_PASSWORD_SIGN_IN = False
    settings.STEGVIS_SMART_SIGNING_KEY_GENERATED = False
    settings.STEGVIS_VAPID_KEY_GENERATED = False
    assert check_id not in _ids()
    setattr(settings, setting, value)
    assert check_id in _ids()

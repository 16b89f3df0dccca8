from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_production_secrets(app_configs, **kwargs):
    problems = []
    if not settings.STEGVIS_DATA_KEY:
        problems.append(
            Warning(
                "STEGVIS_DATA_KEY is not set: national identity numbers are encrypted with "
                "a key derived from SECRET_KEY.",
                hint="Set STEGVIS_DATA_KEY or STEGVIS_DATA_KEY_FILE to a long random secret.",
                id="stegvis.W001",
            )
        )
    if not settings.STEGVIS_AUDIT_KEYS:
        problems.append(
            Warning(
                "STEGVIS_AUDIT_KEYS is not set: the audit chain is sealed with a key derived "
                "from SECRET_KEY.",
                hint="Set STEGVIS_AUDIT_KEYS (or _FILE) to id:secret, kept outside the database.",
                id="stegvis.W002",
            )
        )
    if not settings.STEGVIS_PSEUDONYM_KEY:
        problems.append(
            Warning(
                "STEGVIS_PSEUDONYM_KEY is not set: registry exports are pseudonymised with a "
                "key derived from SECRET_KEY, so a new SECRET_KEY gives everyone new pseudonyms.",
                hint="Set STEGVIS_PSEUDONYM_KEY (or _FILE) to a long random secret of its own.",
                id="stegvis.W003",
            )
        )
    if "LocMemCache" in settings.CACHES["default"]["BACKEND"]:
        problems.append(
            Error(
                "The cache is in each process's memory: login rate limits would not be "
                "shared between web workers and nodes.",
                hint="Leave CACHE_URL unset (the database cache) or set REDIS_URL.",
                id="stegvis.E003",
            )
        )
    if settings.STEGVIS_SECRET_KEY_GENERATED:
        problems.append(
            Error(
                "SECRET_KEY is not set: a key generated on this machine is in use, which "
                "other web nodes do not share.",
                hint="Set SECRET_KEY or SECRET_KEY_FILE.",
                id="stegvis.E002",
            )
        )
    if settings.STEGVIS_STAFF_PASSWORD_SIGN_IN:
        problems.append(
            Warning(
                "Staff, care roles included, can sign in with a password and a one-time code "
                "alone.",
                hint="Register Stegvis with the regions' e-ID providers (docs/deploy.md) and "
                "set STEGVIS_STAFF_PASSWORD_SIGN_IN=0.",
                id="stegvis.W004",
            )
        )
    if settings.STEGVIS_DEMO:
        problems.append(
            Error(
                "STEGVIS_DEMO is on: demo users may skip two-step verification.",
                hint="Unset STEGVIS_DEMO in production.",
                id="stegvis.E001",
            )
        )
    return problems


@register(Tags.security)
def check_eid_providers(app_configs, **kwargs):
    """Each e-ID provider's configuration holds together before anyone signs in: its
    profile exists, its key file is a private key, and it is reached over HTTPS (loopback
    excepted, for the tests)."""
    from stegvis.accounts.eid.providers import configuration_problems

    return [
        Error(
            f"e-ID provider {slug!r}: {problem}",
            hint="See docs/deploy.md, National e-ID.",
            id="stegvis.E004",
        )
        for slug, problem in configuration_problems()
    ]

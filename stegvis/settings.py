"""Stegvis settings: one module, configured by the environment (12-factor).

The embedded default is SQLite under var/; DATABASE_URL switches to PostgreSQL.
"""

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("STEGVIS_VAR_DIR", default=str(BASE_DIR / "var")))
DEBUG = env.bool("DEBUG", default=False)
# Demo mode: demo data may be loaded and demo users may skip MFA. Never in production.
STEGVIS_DEMO = env.bool("STEGVIS_DEMO", default=False)
# Behind TLS (the production default): secure cookies, HSTS, redirect to https.
STEGVIS_HTTPS = env.bool("STEGVIS_HTTPS", default=not (DEBUG or STEGVIS_DEMO))


def _secret(name: str) -> str | None:
    """A secret from NAME or from the file named by NAME_FILE (container secrets)."""
    file_name = env.str(f"{name}_FILE", default="")
    if file_name:
        return Path(file_name).read_text().strip()
    return env.str(name, default="") or None


SECRET_KEY = _secret("SECRET_KEY")
# Without one, a key is generated once and kept beside the local database (never committed),
# so development commands just work; `check --deploy` refuses it for production (stegvis.E002).
STEGVIS_SECRET_KEY_GENERATED = not SECRET_KEY
if STEGVIS_SECRET_KEY_GENERATED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# The key that encrypts national identity numbers. Production sets it; development
# derives one from SECRET_KEY (see stegvis.accounts.national_id and the deploy check).
STEGVIS_DATA_KEY = _secret("STEGVIS_DATA_KEY")
# The audit chain's HMAC keys, "id:secret" pairs, newest last (stegvis/audit/sealing.py);
# never in the database. Development derives one from SECRET_KEY.
STEGVIS_AUDIT_KEYS = _secret("STEGVIS_AUDIT_KEYS")
# Where the worker appends the audit chain's signed checkpoints: outside the database, on
# storage its owner cannot rewrite (an append-only mount, a log shipped elsewhere).
STEGVIS_AUDIT_CHECKPOINTS = env.str(
    "STEGVIS_AUDIT_CHECKPOINTS", default=str(VAR_DIR / "audit-checkpoints.jsonl")
)

# The key of the registry exports' pseudonyms (a keyed hash of the patient): the same person
# gets the same pseudonym in every export, and nobody without the key can reverse it.
# Development derives one from SECRET_KEY (stegvis.W003 in production).
STEGVIS_PSEUDONYM_KEY = _secret("STEGVIS_PSEUDONYM_KEY")

# Full definitions of licence-bound instruments (HADS, EQ-5D) for an installation that holds
# their licence; never in the repository (stegvis/instruments/data/metadata_only.toml).
STEGVIS_LICENSED_INSTRUMENTS_DIR = env.str("STEGVIS_LICENSED_INSTRUMENTS_DIR", default="")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "oauth2_provider",
    "corsheaders",
    "django_tasks_db",
    "stegvis.core",
    "stegvis.accounts",
    "stegvis.audit",
    "stegvis.access",
    "stegvis.cases",
    "stegvis.network",
    "stegvis.plans",
    "stegvis.notifications",
    "stegvis.instruments",
    "stegvis.coaching",
    "stegvis.coordination",
    "stegvis.programs",
    "stegvis.participation",
    "stegvis.smart",
    "stegvis.fhir",
    "stegvis.agency",
    "stegvis.insights",
    "stegvis.portal",
    "stegvis.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that answers: a preflight is answered here.
    "corsheaders.middleware.CorsMiddleware",
    "stegvis.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stegvis.accounts.eid.assignments.ActingUnitMiddleware",
    "stegvis.access.reader.ReaderMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "stegvis.accounts.middleware.SessionLimitMiddleware",
    "stegvis.core.middleware.UserLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "stegvis.accounts.middleware.StaffMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "stegvis.core.middleware.NoStoreMiddleware",
    # Axes must come last: it turns a lockout signal into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stegvis.urls"
WSGI_APPLICATION = "stegvis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "stegvis" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stegvis.portal.context_processors.unread_counts",
                "stegvis.portal.context_processors.menu",
                "stegvis.portal.context_processors.crisis_rules",
            ],
            # Every page writes a date with its weekday the same way (core/templatetags).
            "builtins": ["stegvis.core.templatetags.dates"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'stegvis.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
        # failing with "database is locked" half-way through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# A connection lives across requests: opening one costs a PostgreSQL backend, and on SQLite
# a new connection parses the whole schema again on its first statement (4 ms a request).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind a pooler in transaction mode (PgBouncer), a connection's server changes between
# transactions: nothing may outlive one, neither a prepared statement (PgBouncer before 1.21
# cannot keep them) nor a server-side cursor.
DATABASE_POOLED = env.bool("DATABASE_POOLED", default=False)
if DATABASE_POOLED:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
# A streaming replica for the heavy reads that may lag (stegvis/core/replica.py), connected
# directly, not through the pooler.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["stegvis.core.replica.ReplicaRouter"]
# How long a read waits for the replica to catch up with the primary before reading there.
STEGVIS_REPLICA_WAIT = env.float("STEGVIS_REPLICA_WAIT", default=2.0)
for alias, database in DATABASES.items():
    if database["ENGINE"] == "django.db.backends.postgresql" and env.bool(
        "DATABASE_PREPARED_STATEMENTS", default=not (DATABASE_POOLED and alias == "default")
    ):
        # The values travel apart from the SQL, and psycopg prepares a statement on the
        # server once it has run it 5 times on a connection: the hot queries are then planned
        # once per connection, not once per request (the API read 35 % faster,
        # docs/deploy.md).
        database.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits (allauth's) live in the cache, which every process and node must share: Redis
# when REDIS_URL is set, else a table in the database (created by `migrate`). CACHE_URL
# names any other backend.
if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }
else:
    CACHES = {"default": env.cache("CACHE_URL", default="dbcache://stegvis_cache")}

# --- Accounts, login and sessions ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "stegvis.accounts.backends.Backend",
    # Sessions begun by national e-ID (they authenticate no password).
    "stegvis.accounts.backends.EidBackend",
    "stegvis.accounts.backends.HighAssuranceEidBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

SESSION_ENGINE = "stegvis.accounts.session_store"
SESSION_COOKIE_AGE = int(timedelta(hours=12).total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle and absolute limits per kind of user (enforced by SessionLimitMiddleware).
STEGVIS_SESSION_LIMITS = {
    "staff": {"idle": timedelta(minutes=15), "absolute": timedelta(hours=12)},
    "patient": {"idle": timedelta(minutes=30), "absolute": timedelta(hours=12)},
}

ACCOUNT_ADAPTER = "stegvis.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if STEGVIS_HTTPS else "http"
# Lockout per account and address is django-axes' job (with its cool-off page). allauth keeps,
# in the shared cache, per-address limits against spraying (a few guesses at many accounts)
# and a per-account limit counted across addresses (a few guesses from many addresses).
# Sign-ins of any outcome per address: a unit's staff behind one address sign in together at
# eight, so a large unit raises it (allauth's default is 30 a minute). allauth reads it only
# at the first sign-in, so a mistyped rate stops the start here instead.
SIGN_IN_RATE = env.str("STEGVIS_SIGN_IN_RATE", default="30/m/ip")
_RATE = r"\d+/(\d+(\.\d+)?)?[smhd](/(ip|key|user))?"
if not re.fullmatch(rf"{_RATE}(,{_RATE})*", SIGN_IN_RATE):
    raise ImproperlyConfigured(
        f"STEGVIS_SIGN_IN_RATE={SIGN_IN_RATE!r}: write sign-ins/period/ip, as 30/m/ip or 90/5m/ip"
    )
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,100/h/ip,20/h/key", "login": SIGN_IN_RATE}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Stegvis"
SOCIALACCOUNT_ADAPTER = "stegvis.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False


def _oidc_providers() -> dict:
    """An OpenID Connect provider (an e-ID gateway such as a BankID broker) from the
    environment alone: STEGVIS_OIDC_SERVER_URL, _CLIENT_ID, _CLIENT_SECRET[_FILE], _NAME."""
    server_url = env.str("STEGVIS_OIDC_SERVER_URL", default="")
    if not server_url:
        return {}
    app = {
        "provider_id": env.str("STEGVIS_OIDC_PROVIDER_ID", default="eid"),
        "name": env.str("STEGVIS_OIDC_NAME", default="e-legitimation"),
        "client_id": env.str("STEGVIS_OIDC_CLIENT_ID"),
        "secret": _secret("STEGVIS_OIDC_CLIENT_SECRET") or "",
        "settings": {"server_url": server_url, "oauth_pkce_enabled": True},
    }
    return {"openid_connect": {"APPS": [app]}}


SOCIALACCOUNT_PROVIDERS = _oidc_providers()


def _eid_providers() -> list[dict]:
    """National e-ID providers (stegvis/accounts/eid), from the JSON file named by
    STEGVIS_EID_PROVIDERS_FILE: a list of {"slug", "name", "profile", "issuer",
    "client_id", "key_file", "scope", "acr_values"} (docs/deploy.md). None by default."""
    path = env.str("STEGVIS_EID_PROVIDERS_FILE", default="")
    return json.loads(Path(path).read_text(encoding="utf-8")) if path else []


STEGVIS_EID_PROVIDERS = _eid_providers()


def _private_key(name: str, file_name: str, generate) -> str:
    """A private key (PEM) from NAME or NAME_FILE; without one, development generates one
    once beside the local database with `generate()`, as it does the secret key (`check
    --deploy` refuses that in production: each such key must be the same on every node)."""
    key = _secret(name)
    if key:
        return key
    key_file = VAR_DIR / file_name
    if not key_file.exists():
        from cryptography.hazmat.primitives import serialization

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        pem = generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        key_file.write_bytes(pem)
        key_file.chmod(0o600)
    return key_file.read_text()


def _smart_signing_key() -> str:
    """The RSA key that signs SMART apps' ID tokens (stegvis.E005 without one)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return _private_key(
        "STEGVIS_SMART_SIGNING_KEY",
        "dev-smart-signing-key.pem",
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


STEGVIS_SMART_SIGNING_KEY_GENERATED = not _secret("STEGVIS_SMART_SIGNING_KEY")
# SMART on FHIR's authorization server (stegvis/smart, docs/smart.md): django-oauth-toolkit
# held to OAuth 2.0's current security advice (RFC 9700): authorization code with PKCE S256
# only, no implicit or password grant, tokens kept only as their hashes, refresh tokens
# rotated and a reused one ending the whole family.
# Cross-origin requests (a SMART app in a browser): the FHIR API and the authorization
# server only, from the origins of registered apps' addresses alone (stegvis/smart/cors.py).
CORS_URLS_REGEX = r"^/(fhir|oauth)/.*$"
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_EXPOSE_HEADERS = ["Content-Location", "Location", "X-Progress", "X-Request-ID"]

# Named so that Stegvis's own models' migrations can refer to them (they are not swapped).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 (a model)
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105 (a model)
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105 (a model)
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "stegvis.smart.validator.SmartValidator",
    "SCOPES_BACKEND_CLASS": "stegvis.smart.scopes.SmartScopes",
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 90 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if STEGVIS_HTTPS else ["http", "https"],
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _smart_signing_key(),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    ],
    "SCOPES": {},
}
# Staff sign in with a password and a one-time code unless this is off: then by e-ID only.
STEGVIS_STAFF_PASSWORD_SIGN_IN = env.bool("STEGVIS_STAFF_PASSWORD_SIGN_IN", default=True)


def _eid_form_action(providers: list[dict]) -> list[str]:
    """The origins an e-ID sign-in's form may lead to. It is posted to Stegvis and
    answered with a redirect to the provider's sign-in page, and a browser holds that
    redirect to the page's form-action too: each provider's `authorization_origin`, or
    its issuer's origin."""
    return sorted(
        {
            provider.get("authorization_origin")
            or "{0.scheme}://{0.netloc}".format(urlsplit(provider.get("issuer", "")))
            for provider in providers
        }
    )


# Lockout: 5 failures per account and address, lifted by itself after a cool-off, so a
# lockout can never be used to shut a person out for good.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "stegvis.accounts.lockout.username_from_credentials"
AXES_LOCKOUT_CALLABLE = "stegvis.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English")), ("nb", _("Norwegian Bokmål"))]
LOCALE_PATHS = [BASE_DIR / "stegvis" / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["stegvis.formats"]
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (development, tests) whitenoise serves from the app folders.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)

# --- Security headers -----------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *_eid_form_action(STEGVIS_EID_PROVIDERS)],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "stegvis.core.views.csrf_failure"
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = STEGVIS_HTTPS
SECURE_SSL_REDIRECT = STEGVIS_HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000) if STEGVIS_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = STEGVIS_HTTPS
SECURE_HSTS_PRELOAD = STEGVIS_HTTPS
if env.bool("STEGVIS_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies add themselves to X-Forwarded-For (0: trust REMOTE_ADDR only).
STEGVIS_TRUSTED_PROXY_COUNT = env.int("STEGVIS_TRUSTED_PROXY_COUNT", default=0)


# --- E-mail ---------------------------------------------------------------------------------
def _mailer(url: str) -> dict:
    """Django's MAILERS entry from EMAIL_URL, e.g. smtp+tls://user:pass@mail.example.org:587."""
    parsed = environ.Env.email_url_config(url)
    backend = parsed["EMAIL_BACKEND"]
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": parsed["EMAIL_HOST"],
            "port": parsed["EMAIL_PORT"],
            "username": parsed["EMAIL_HOST_USER"] or None,
            "password": parsed["EMAIL_HOST_PASSWORD"] or None,
            "use_tls": parsed.get("EMAIL_USE_TLS", False),
            "use_ssl": parsed.get("EMAIL_USE_SSL", False),
            "timeout": 20,
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": str(VAR_DIR / "mail")}
    else:
        options = {}
    return {"BACKEND": backend, "OPTIONS": options}


# The demo writes each e-mail as a file under var/mail.
MAILERS = {
    "default": _mailer(
        env.str(
            "EMAIL_URL", default="filemail://" if (DEBUG or STEGVIS_DEMO) else "smtp://localhost:25"
        )
    )
}
# Where links in e-mails sent by the worker point (no request to read it from).
BASE_URL = env.str("STEGVIS_BASE_URL", default="http://127.0.0.1:8000")
# A class with send_text(number, text) for text messages; none is bundled, so off by default.
STEGVIS_SMS_BACKEND = env.str("STEGVIS_SMS_BACKEND", default="")
# How often the worker sends what is due in the outbox, and how often it looks for periodic
# jobs that are due (seconds).
STEGVIS_OUTBOX_EVERY_SECONDS = env.int("STEGVIS_OUTBOX_EVERY_SECONDS", default=60)
STEGVIS_SCHEDULER_CHECK_SECONDS = env.int("STEGVIS_SCHEDULER_CHECK_SECONDS", default=30)
# Seconds after which a worker's claim on the outbox counts as left by a worker that stopped
# (a drill that kills workers shortens it to see them taken back within its run).
STEGVIS_OUTBOX_CLAIM_TIMEOUT = env.int("STEGVIS_OUTBOX_CLAIM_TIMEOUT", default=15 * 60)


def _vapid_private_key() -> str:
    """The EC P-256 key that signs Web Push requests (VAPID, RFC 8292; stegvis.E006 without
    one): browsers subscribe with its public half, so it outlives releases."""
    from cryptography.hazmat.primitives.asymmetric import ec

    return _private_key(
        "STEGVIS_VAPID_PRIVATE_KEY",
        "dev-vapid-key.pem",
        lambda: ec.generate_private_key(ec.SECP256R1()),
    )


STEGVIS_VAPID_PRIVATE_KEY = _vapid_private_key()
STEGVIS_VAPID_KEY_GENERATED = not _secret("STEGVIS_VAPID_PRIVATE_KEY")
# Who push services may contact about Stegvis's messages (a mailto: or https: address).
STEGVIS_VAPID_SUBJECT = env.str("STEGVIS_VAPID_SUBJECT", default="mailto:no-reply@stegvis.invalid")
# The push services Stegvis writes to, as "scheme://host" patterns: the browsers' own.
STEGVIS_PUSH_SERVICES = env.list(
    "STEGVIS_PUSH_SERVICES",
    default=[
        "https://fcm.googleapis.com",
        "https://updates.push.services.mozilla.com",
        "https://*.push.apple.com",
        "https://*.notify.windows.com",
    ],
)


# Where signed certificates are sent (docs/deploy.md, "Agencies"): per agency an HTTPS URL,
# the client certificate and key for mutual TLS, and the certificate authorities trusted for
# the server (empty: the system's). No URL: nothing is sent, the certificate is printed.
def _agency_endpoint(prefix: str) -> dict:
    return {
        "url": env.str(f"{prefix}_URL", default=""),
        "client_cert": env.str(f"{prefix}_CLIENT_CERT", default=""),
        "client_key": env.str(f"{prefix}_CLIENT_KEY", default=""),
        "ca_bundle": env.str(f"{prefix}_CA_BUNDLE", default=""),
        # Försäkringskassan's logical address in Inera's service platform (RIVTA header).
        "logical_address": env.str(f"{prefix}_LOGICAL_ADDRESS", default=""),
        "timeout_seconds": env.int(f"{prefix}_TIMEOUT", default=30),
    }


STEGVIS_AGENCY_ENDPOINTS = {
    "fk": _agency_endpoint("STEGVIS_FK"),
    "nav": _agency_endpoint("STEGVIS_NAV"),
}
STEGVIS_ATTACHMENT_MAX_BYTES = env.int("STEGVIS_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Stegvis <no-reply@stegvis.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "stegvis.core.logging.RedactNationalIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates each step of every PDF at INFO. pysaml2 writes out an assertion's
    # subject and attributes (identity numbers among them) at INFO, and parts of a refused
    # one at ERROR: the e-ID views log each refusal's reason instead.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "xmlschema": {"level": "WARNING"},
        "saml2": {"level": "CRITICAL"},
    },
}

# --- API ------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
STEGVIS_TOKEN_MAX_DAYS = 365

"""Test settings: production settings with plain HTTP and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("STEGVIS_HTTPS", "0")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("EMAIL_URL", "consolemail://")

from stegvis.settings import *  # noqa: F403

# Argon2 stays the production hasher (a test checks it); tests hash thousands of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# whitenoise warns about a missing STATIC_ROOT; tests serve from the app folders.
STATIC_ROOT = __import__("tempfile").mkdtemp(prefix="stegvis-static-")

"""One idempotency mechanism for every creating write (IETF draft "The Idempotency-Key HTTP
Header Field"): the API's `Idempotency-Key` header and the web forms' hidden submission id
both go through the store in `IdempotentRequest`.

The first request with a key claims it, runs, and stores its answer in the same transaction
as its write, so a process killed half-way leaves neither and the retry simply runs again.
A retry (same author, key and fingerprint) gets the stored answer; the same key with another
body or path answers 422 (a page: 400); a key whose first request is still running 409.
A failed request (4xx) releases its key, so a corrected retry may use it again.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.tasks import task
from django.utils import timezone

from stegvis.core.errors import KeyReused
from stegvis.core.models import IdempotentRequest

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Read by the page that follows a form, so not HttpOnly: it names a submission, nothing more.
ARRIVED_COOKIE = "stegvis-arrived"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Form fields that differ between two sends of the same form without changing what it says.
_NOT_CONTENT = frozenset({"csrfmiddlewaretoken"})


class KeyInvalid(SuspiciousOperation):
    """Not a key: empty, longer than 255 characters or with control characters (422)."""


class KeyInProgress(SuspiciousOperation):
    """The first request with this key has not answered yet (409)."""


@dataclass
class Claim:
    key: str
    fingerprint: str
    record: IdempotentRequest | None = None


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _form_body(post) -> bytes:
    items = sorted((k, v) for k in post if k not in _NOT_CONTENT for v in post.getlist(k))
    return repr(items).encode()


def claim(
    author, key: str, print_: str
) -> tuple[IdempotentRequest | None, IdempotentRequest | None]:
    """(the new claim, None) for a first request, (None, the stored answer) for a retry."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise KeyInvalid("An idempotency key is 1 to 255 printable characters.")
    existing = IdempotentRequest.objects.filter(author=author, key=key).first()
    if existing is not None and existing.created_at < timezone.now() - RETENTION:
        existing.delete()
        existing = None
    if existing is None:
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(
                    author=author, key=key, fingerprint=print_
                ), None
        except IntegrityError:
            # Another request with this key committed first (PostgreSQL waited for it).
            existing = IdempotentRequest.objects.get(author=author, key=key)
    if existing.fingerprint != print_:
        raise KeyReused("This idempotency key was already used for another request.")
    if existing.status is None:
        raise KeyInProgress("The first request with this key is still running.")
    return None, existing


def _api_success(response) -> bool:
    return 200 <= response.status_code < 300


def _form_success(response) -> bool:
    # A form that failed is drawn again with its errors (200); only a redirect is a success.
    return 300 <= response.status_code < 400


def _keep(record: IdempotentRequest | None, response, success) -> None:
    """Store a success as the key's answer; release the key after a failure."""
    if record is None:
        return
    if success(response):
        record.status = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = b"" if response.streaming else response.content
        record.location = response.get("Location", "")
        record.save(update_fields=["status", "content_type", "body", "location"])
    else:
        record.delete()


def _once(claim_: Claim, run, success):
    """Run `run()` with the key's record in its transaction. An exception still commits
    what was recorded before it (a refusal's audit event) and then propagates."""
    error = None
    with transaction.atomic():
        try:
            response = run()
        except Exception as exc:
            error = exc
            if claim_.record is not None:
                claim_.record.delete()
        else:
            _keep(claim_.record, response, success)
    if error is not None:
        raise error
    return response


def replay(record: IdempotentRequest) -> HttpResponse:
    if record.location and not record.body:
        response = HttpResponseRedirect(record.location)
    else:
        response = HttpResponse(
            bytes(record.body), status=record.status, content_type=record.content_type
        )
    response[REPLAYED_HEADER] = "true"
    return response


# --- The API: two ninja decorators, because the author is known only after authentication.


def api_transaction(run):
    """Around a whole operation (view mode): a write with a key runs in one transaction
    with its claim, and stores what it answered."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(KEY_HEADER)
        if request.method not in WRITE_METHODS or key is None:
            return run(request, *args, **kwargs)
        request.idempotency = Claim(key, fingerprint(request.method, request.path, request.body))
        return _once(request.idempotency, lambda: run(request, *args, **kwargs), _api_success)

    return wrapper


def api_claim(func):
    """Inside an operation (after authentication and validation): claim the key for the
    signed-in author, or answer what the first request answered."""

    @wraps(func)
    def wrapper(request, *args, **kwargs):
        claim_ = getattr(request, "idempotency", None)
        if claim_ is None or not request.user.is_authenticated:
            return func(request, *args, **kwargs)
        claim_.record, stored = claim(request.user, claim_.key, claim_.fingerprint)
        if stored is not None:
            return replay(stored)
        return func(request, *args, **kwargs)

    return wrapper


# --- Pages: a form's hidden submission id.


def once_per_submission(field: str = "submission_id"):
    """A form view whose POST carries a hidden submission id: a second send of the same
    form (a double click, a reload after a lost answer) gets the first redirect again."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            key = request.POST.get(field) if request.method == "POST" else None
            if not key or not request.user.is_authenticated:
                return view(request, *args, **kwargs)
            claim_ = Claim(key, fingerprint("POST", request.path, _form_body(request.POST)))

            def run():
                claim_.record, stored = claim(request.user, claim_.key, claim_.fingerprint)
                if stored is not None:
                    return replay(stored)
                return view(request, *args, **kwargs)

            response = _once(claim_, run, _form_success)
            # The phone kept the form until now (core/js/app.js); this tells it the form
            # arrived, whatever the answer, so it need not send it again.
            response.set_cookie(
                ARRIVED_COOKIE, key, max_age=300, samesite="Lax", secure=request.is_secure()
            )
            return response

        return wrapper

    return decorate


def purge(now=None) -> int:
    """Forget keys older than the retention period."""
    now = now or timezone.now()
    return IdempotentRequest.objects.filter(created_at__lt=now - RETENTION).delete()[0]


@task
def purge_task() -> int:
    """Forget idempotency keys older than a day (the worker runs it hourly)."""
    return purge()

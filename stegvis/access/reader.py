"""The reader: the one object a request reads patient data through.

Every request gets one (`ReaderMiddleware`, as `request.reader`), bound to the person
acting, their memberships (cached on the user), the scopes their credential carries (a
personal token's "read" or "read and write"; an app's SMART scopes and launch patient,
stegvis.access.credentials) and the request. It
decides through the policy, at most once per patient, category and action per request (the
policy's queries are most of what an audited read spends), caps each decision at the
credential's scopes, and hands the audited helpers (`stegvis.access.helpers`) what they
record. A write through `audit.atomic` may change what the policy would answer (a consent
withdrawn, a care relationship ended, a grant undone), so the reader forgets its decisions
as each such block ends, nested or not, committed or not (the audit trail's `written`
signal: it knows nothing of readers).

Outside a request (a worker, a management command) a reader is made per call and remembers
nothing beyond it.
"""

from contextvars import ContextVar
from dataclasses import replace

from django.dispatch import receiver

from stegvis.access.categories import Action
from stegvis.access.credentials import AppCredential
from stegvis.access.policy import Decision, care_memo, decide, serving
from stegvis.access.rules import declared_scope
from stegvis.accounts.models import TokenScope, User
from stegvis.audit.signals import written

# What a credential that may only read still may do.
READ_ACTIONS = frozenset({Action.VIEW, Action.EXPORT})


class Reader:
    def __init__(self, user: User | None = None, *, request=None):
        self._user = user
        self.request = request
        self._decisions: dict[tuple, Decision] = {}
        # The policy's care rows, shared by the categories of one patient (policy.care_memo).
        self.care_rows: dict[tuple, list] = {}
        self._scopes: dict[tuple, object] = {}

    @property
    def user(self) -> User:
        # The request's person as authenticated by the time of asking: an API token is
        # checked after the middleware has run.
        return self._user if self.request is None else self.request.user

    def decide(
        self, patient: User, category: str, action: str = Action.VIEW, *, fresh: bool = False
    ) -> Decision:
        """The policy's answer, capped at the scopes; `fresh` asks again (a write has just
        been made that the answer may depend on)."""
        user = self.user
        key = (getattr(user, "pk", None), patient.pk, category, action)
        if fresh:  # the care relationships read before may have changed too
            self.care_rows.clear()
        found = None if fresh else self._decisions.get(key)
        if found is None:
            found = self._capped(decide(user, patient, category, action), patient, category, action)
            self._decisions[key] = found
        return found

    def scope(self, name: str):
        """The reader's scope declared as `name` (stegvis.access.rules.Scope), worked out
        once per request; none for someone not signed in."""
        scope = declared_scope(name)
        if not getattr(self.user, "is_authenticated", False):
            return None
        key = (name, self.user.pk)
        if key not in self._scopes:
            self._scopes[key] = scope.of(self.user)
        return self._scopes[key]

    def _capped(self, decision: Decision, patient: User, category: str, action: str) -> Decision:
        if not decision.allowed:
            return decision
        token = getattr(self.request, "token", None)
        if isinstance(token, AppCredential):
            resource = getattr(self.request, "app_resource", None)
            refusal = token.refusal(patient.pk, category, action, resource)
            return decision if refusal is None else replace(decision, allowed=False, basis=refusal)
        if token is not None and action not in READ_ACTIONS and token.scope != TokenScope.WRITE:
            return replace(decision, allowed=False, basis="scope_not_granted")
        return decision

    def forget(self) -> None:
        """Forget every decision, and the person's memberships they rest on (a write may
        have ended one: a representative leaving)."""
        self._decisions.clear()
        self.care_rows.clear()
        self._scopes.clear()
        user = self.user
        for remembered in ("_memberships_cache", "_mfa_satisfied"):
            if hasattr(user, remembered):
                delattr(user, remembered)


_current: ContextVar[Reader | None] = ContextVar("stegvis_reader", default=None)


def reader_for(user: User) -> Reader:
    """The request's reader when `user` is the one acting in it; else a reader of its own
    (a decision about someone else, such as whom a message is shared with)."""
    current = _current.get()
    if current is not None and getattr(current.user, "pk", None) == user.pk:
        return current
    return Reader(user)


# Connected as this module is imported, so before any reader exists to forget.
@receiver(written)
def forget_decisions(**kwargs) -> None:
    """After a write: what the policy answered before it may no longer hold."""
    current = _current.get()
    if current is not None:
        current.forget()


class ReaderMiddleware:
    """Gives each request its reader, for the request's duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reader = Reader(request=request)
        token = _current.set(request.reader)
        memo = care_memo.set(request.reader.care_rows)
        served = serving.set(request)
        try:
            return self.get_response(request)
        finally:
            serving.reset(served)
            care_memo.reset(memo)
            _current.reset(token)

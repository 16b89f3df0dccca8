"""The current request's id and client address, for audit events written deep in services."""

from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str | None = None
    # The app acting for the signed-in person in this request (a SMART app's name), if any.
    app: str = ""
    # The account a region's registered system acts as, by its own token (or in the export
    # it asked for): the only account the access policy's system way opens for.
    system_account: str = ""
    # What the audit trail already holds from this request, so a decision is recorded once
    # however many layers write it down. Only used while a request is being served.
    recorded: set = field(default_factory=set, compare=False)


# The default is a frozen dataclass, so sharing it between contexts is safe.
current: ContextVar[RequestContext] = ContextVar(
    "stegvis_request",
    default=RequestContext(),  # noqa: B039
)

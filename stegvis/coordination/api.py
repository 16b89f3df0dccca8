"""Messages, meetings, decisions and tasks under /api/v1/, through the same access policy
and audit as the pages. A retried write with the same `Idempotency-Key` answers what the
first did (stegvis/core/idempotency.py); a stale `revision` is 412. Attachments are
uploaded through the web pages."""

from ninja import Router

from stegvis.coordination.meetings.api import router as meetings
from stegvis.coordination.messages.api import router as messages
from stegvis.coordination.tasks.api import router as tasks

router = Router()
router.add_router("", messages)
router.add_router("", meetings)
router.add_router("", tasks)

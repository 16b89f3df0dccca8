"""What the audit trail tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent when an `audit.atomic()` block's write and its events are about to commit (no
# kwargs). What was decided before the write may no longer hold (a consent withdrawn, a
# care relationship ended): the access app's reader forgets its decisions.
written = Signal()

"""What the audit trail tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent as each `audit.atomic()` block ends, nested or not, committed or undone (no kwargs).
# What was decided before or during it may no longer hold (a consent withdrawn, a care
# relationship ended, or one granted and then undone): the access app's reader forgets.
written = Signal()

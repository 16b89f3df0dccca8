"""What the access app tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent after a care relationship is established (kwargs: relationship). Notifications tells
# the unit's manager; an emergency access at once.
care_relationship_established = Signal()

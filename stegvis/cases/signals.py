"""What cases tell the apps built on them, so that cases need not know those apps."""

from django.dispatch import Signal

# A duty of the rehabilitation chain was marked done: (actor, case, code).
milestone_completed = Signal()

# A certificate was signed, in the signing transaction: (actor, certificate).
certificate_signed = Signal()

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from stegvis.cases.deadlines import milestone_title
from stegvis.cases.timelines import Responsible

register = template.Library()


@register.filter
def next_deadline_title(case) -> str:
    """The title of the case's next deadline, in the reader's language."""
    if not case.next_deadline_code:
        return ""
    return milestone_title(case.jurisdiction, case.next_deadline_code, get_language() or "sv")


@register.filter
def is_overdue(day) -> bool:
    return day is not None and day < timezone.localdate()


@register.filter
def notification_title(notification) -> str:
    return milestone_title(
        notification.case.jurisdiction, notification.milestone_code, get_language() or "sv"
    )


@register.filter
def on_behalf_label(notification) -> str:
    return Responsible(notification.on_behalf_of).label

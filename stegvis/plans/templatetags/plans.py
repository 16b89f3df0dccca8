from datetime import date

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def as_date(value):
    """A date stored as ISO text in a plan, as a date for the `date` filter."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


@register.simple_tag
def section_link(case, section, is_owner, sections):
    """The link under a plan section: the patient changes it, others suggest a change."""
    url = reverse("plan_section", args=[case.pk, section])
    text = _("Change this") if is_owner else _("Suggest a change")
    return format_html(
        '<a href="{}">{}<span class="visually-hidden"> ({})</span></a>',
        url,
        text,
        sections[section],
    )

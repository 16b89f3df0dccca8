"""A date with its weekday, in the reader's language's own date format (stegvis/formats):
"måndag 15 mars 2026 08:00", "mandag 15. mars 2026 08:00", "Monday 15 March 2026 08:00"."""

from django import template
from django.template.defaultfilters import date

register = template.Library()


@register.filter(expects_localtime=True)
def weekday_date(value, with_time: str = "") -> str:
    """`{{ day|weekday_date }}`, or `{{ moment|weekday_date:"time" }}` with the time."""
    if not value:
        return ""
    named = "DATETIME_FORMAT" if with_time == "time" else "DATE_FORMAT"
    return f"{date(value, 'l')} {date(value, named)}"

from django import template

from stegvis.smart import registrations

register = template.Library()


@register.simple_tag
def staff_apps_for(user) -> list:
    """The staff apps registered at the units `user` works at, to open with a patient."""
    return registrations.staff_apps_of(user)

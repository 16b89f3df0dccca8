from django import template

from stegvis.accounts.eid.providers import providers

register = template.Library()


@register.simple_tag
def eid_providers():
    """The national e-ID providers this installation is registered with."""
    return providers()

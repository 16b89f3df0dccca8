"""On a certificate's page: where it came from when another system issued it."""

from django import template

register = template.Library()


@register.inclusion_tag("agency/_certificate_origin.html")
def certificate_origin(certificate):
    return {"imported": getattr(certificate, "imported", None)}

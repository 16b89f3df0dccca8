"""On a certificate's page: where it came from when another system issued it, and where it
went when its agency was sent it, with the agency's answer."""

from django import template

register = template.Library()


@register.inclusion_tag("agency/_certificate_agency.html", takes_context=True)
def certificate_agency(context, certificate):
    return {
        "certificate": certificate,
        "imported": getattr(certificate, "imported", None),
        "delivery": getattr(certificate, "delivery", None),
        # Only the physician is told what to do about a refusal.
        "may_certify": context.get("may_certify", False),
    }

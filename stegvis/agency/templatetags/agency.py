"""On a certificate's page: where it came from when another system issued it, and where it
went when its agency was sent it, with the agency's answer."""

from django import template

from stegvis.agency.models import Answer
from stegvis.notifications.selectors import outbox_gave_up

register = template.Library()


def _answer(delivery) -> str:
    if delivery.answer == Answer.WAITING and outbox_gave_up(delivery.outbox_message_id):
        return Answer.UNDELIVERED
    return delivery.answer


@register.inclusion_tag("agency/_certificate_agency.html", takes_context=True)
def certificate_agency(context, certificate):
    delivery = getattr(certificate, "delivery", None)
    return {
        "certificate": certificate,
        "imported": getattr(certificate, "imported", None),
        "delivery": delivery,
        "answer": _answer(delivery) if delivery else "",
        # Only the physician is told what to do; the agency's words about a sykmelding
        # whose medical details are withheld from the patient are withheld with them.
        "may_certify": context.get("may_certify", False),
        "withheld": context.get("withheld", False),
    }

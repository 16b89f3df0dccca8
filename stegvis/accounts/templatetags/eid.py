import logging

from django import template

from stegvis.accounts.eid.providers import providers

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def eid_providers():
    """The national e-ID providers this installation is registered with. A configuration
    that does not hold (`check` names it) leaves the page with password sign-in alone."""
    try:
        return providers()
    except (KeyError, OSError, ValueError):
        logger.exception("The e-ID providers' configuration does not hold")
        return []

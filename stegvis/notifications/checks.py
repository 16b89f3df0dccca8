from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_vapid_key(app_configs, **kwargs):
    if not settings.STEGVIS_VAPID_KEY_GENERATED:
        return []
    return [
        Error(
            "STEGVIS_VAPID_PRIVATE_KEY is not set: Web Push is signed with a key generated on "
            "this machine, which other nodes do not share, so browsers' subscriptions break.",
            hint="Set STEGVIS_VAPID_PRIVATE_KEY (or _FILE) to an EC P-256 private key in PEM.",
            id="stegvis.E006",
        )
    ]

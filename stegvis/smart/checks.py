from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_signing_key(app_configs, **kwargs):
    if not settings.STEGVIS_SMART_SIGNING_KEY_GENERATED:
        return []
    return [
        Error(
            "STEGVIS_SMART_SIGNING_KEY is not set: SMART apps' ID tokens are signed with a key "
            "generated on this machine, which other web nodes do not share.",
            hint="Set STEGVIS_SMART_SIGNING_KEY (or _FILE) to an RSA private key in PEM.",
            id="stegvis.E005",
        )
    ]

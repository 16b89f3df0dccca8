from urllib.parse import urlsplit

from django import forms
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings


def _address(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES or not parts.netloc:
        schemes = get_text_list(
            [f"{scheme}://" for scheme in oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES], _("or")
        )
        raise forms.ValidationError(
            _("%(address)s is not a full address. It must start with %(schemes)s."),
            params={"address": value, "schemes": schemes},
        )
    if parts.fragment:
        raise forms.ValidationError(_("An address here has no #fragment."))
    return value


class StaffAppForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("What the app does"), max_length=300, required=False,
        help_text=_("Shown to staff before they let the app in."),
    )  # fmt: skip
    launch_url = forms.CharField(
        label=_("Launch address"), max_length=300,
        help_text=_("Where the app starts when it is opened from a patient's page."),
    )  # fmt: skip
    redirect_uris = forms.CharField(
        label=_("Redirect addresses"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the app receives its answer: one address per line."),
    )  # fmt: skip
    confidential = forms.BooleanField(
        label=_("The app keeps a secret (it runs on a server)"), required=False
    )

    def clean_launch_url(self) -> str:
        return _address(self.cleaned_data["launch_url"].strip())

    def clean_redirect_uris(self) -> list[str]:
        found = [line.strip() for line in self.cleaned_data["redirect_uris"].splitlines()]
        return [_address(line) for line in found if line]

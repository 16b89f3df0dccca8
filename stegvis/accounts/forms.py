from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Language, TokenScope


class PreferencesForm(forms.Form):
    preferred_language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, initial=90)

    def clean_days(self) -> int:
        days = self.cleaned_data["days"]
        if days > settings.STEGVIS_TOKEN_MAX_DAYS:
            raise forms.ValidationError(
                _("At most %(days)s days.") % {"days": settings.STEGVIS_TOKEN_MAX_DAYS}
            )
        return days

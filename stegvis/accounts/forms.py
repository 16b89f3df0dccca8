from django import forms
from django.conf import settings
from django.utils.dates import WEEKDAYS
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


class OpeningHoursForm(forms.Form):
    """A unit's week: for each weekday, open or not and from when to when. Empty means the
    country's default (accounts/data/opening_hours.toml) holds."""

    # What the page showed: a change made meanwhile by someone else is not overwritten.
    shown = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for weekday in range(1, 8):
            self.fields[f"open_{weekday}"] = forms.BooleanField(required=False)
            self.fields[f"opens_{weekday}"] = forms.TimeField(
                required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )
            self.fields[f"closes_{weekday}"] = forms.TimeField(
                required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )

    def clean(self):
        data = super().clean()
        for weekday in range(1, 8):
            if not data.get(f"open_{weekday}"):
                continue
            opens, closes = data.get(f"opens_{weekday}"), data.get(f"closes_{weekday}")
            if opens is None or closes is None:
                self.add_error(f"opens_{weekday}", _("Give both the opening and the closing time."))
            elif closes <= opens:
                self.add_error(f"closes_{weekday}", _("The unit must close after it opens."))
        return data

    def periods(self) -> dict[int, tuple]:
        """The weekdays the unit is open, with their hours."""
        data = self.cleaned_data
        return {
            weekday: (data[f"opens_{weekday}"], data[f"closes_{weekday}"])
            for weekday in range(1, 8)
            if data.get(f"open_{weekday}")
        }

    def days(self) -> list[dict]:
        """The form's fields per weekday, for the template."""
        return [
            {
                "name": WEEKDAYS[weekday - 1],
                "open": self[f"open_{weekday}"],
                "opens": self[f"opens_{weekday}"],
                "closes": self[f"closes_{weekday}"],
            }
            for weekday in range(1, 8)
        ]

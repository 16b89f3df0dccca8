from django import forms
from django.utils.translation import gettext_lazy as _

from stegvis.notifications.models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "sms", "sms_number"]
        widgets = {"email": forms.RadioSelect, "sms_number": forms.TextInput(attrs={"type": "tel"})}

    def __init__(self, *args, sms_available: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not sms_available:
            del self.fields["sms"]
            del self.fields["sms_number"]

    def clean(self):
        data = super().clean()
        if data.get("sms") and not data.get("sms_number"):
            self.add_error("sms_number", _("Write the number to send text messages to."))
        return data

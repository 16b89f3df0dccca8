import base64
import binascii

from django import forms
from django.utils.translation import gettext_lazy as _

from stegvis.notifications import push
from stegvis.notifications.models import EmailMode, NotificationPreference, PushSubscription
from stegvis.notifications.topics import topics_for


class PreferenceForm(forms.ModelForm):
    """The general e-mail choice, then per topic (e-mail, and devices when the person has
    any), a pause, and text messages where a backend is set up."""

    class Meta:
        model = NotificationPreference
        fields = ["email", "paused", "sms", "sms_number"]
        widgets = {"email": forms.RadioSelect, "sms_number": forms.TextInput(attrs={"type": "tel"})}

    def __init__(self, *args, sms_available: bool, has_devices: bool, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        if not sms_available:
            del self.fields["sms"]
            del self.fields["sms_number"]
        self.fields["paused"].help_text = _(
            "Nothing is e-mailed, texted or shown on your devices until you turn this off. "
            "Everything still waits here in Stegvis."
        )
        chosen = self.instance.by_topic or {}
        self.topics = topics_for(self.instance.user)
        self.topic_rows = []
        for topic in self.topics:
            own = chosen.get(topic.code, {})
            email_name, push_name = f"email_{topic.code}", f"push_{topic.code}"
            self.fields[email_name] = forms.ChoiceField(
                label=_("E-mail"),
                choices=[("", _("As chosen above")), *EmailMode.choices],
                required=False,
                initial=own.get("email", ""),
            )
            devices = None
            if has_devices:
                self.fields[push_name] = forms.BooleanField(
                    label=_("On my devices"), required=False, initial=own.get("push", True)
                )
                devices = self[push_name]
            self.topic_rows.append((topic, self[email_name], devices))

    def clean(self):
        data = super().clean()
        if data.get("sms") and not data.get("sms_number"):
            self.add_error("sms_number", _("Write the number to send text messages to."))
        return data

    def save(self, commit=True):
        by_topic = {}
        for topic in self.topics:
            own = {}
            if self.cleaned_data.get(f"email_{topic.code}"):
                own["email"] = self.cleaned_data[f"email_{topic.code}"]
            if f"push_{topic.code}" in self.fields:
                own["push"] = self.cleaned_data[f"push_{topic.code}"]
            if own:
                by_topic[topic.code] = own
        self.instance.by_topic = by_topic
        return super().save(commit)


def _key(value: str, size: int) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


class DeviceForm(forms.Form):
    """A browser's push subscription, as its JavaScript reads it (PushSubscription.toJSON)."""

    endpoint = forms.URLField(max_length=2000, assume_scheme="https")
    p256dh = forms.CharField(max_length=100)
    auth = forms.CharField(max_length=40)
    device = forms.CharField(max_length=80, required=False)

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"]
        if not push.allowed_endpoint(endpoint):
            raise forms.ValidationError(_("This browser's push service is not one Stegvis knows."))
        return endpoint

    def clean_p256dh(self):
        value = self.cleaned_data["p256dh"]
        # An uncompressed P-256 point: 65 bytes beginning 0x04 (RFC 8291).
        raw = _key(value, 65)
        if raw is None or raw[0] != 4:
            raise forms.ValidationError(_("The browser's key is not a valid one."))
        return value

    def clean_auth(self):
        value = self.cleaned_data["auth"]
        if _key(value, 16) is None:
            raise forms.ValidationError(_("The browser's key is not a valid one."))
        return value

    def save(self, user) -> PushSubscription:
        """One row per device: a browser that subscribes again (or for the next person
        signed in on it) replaces what was there, so it notifies only the one signed in."""
        data = self.cleaned_data
        device, _created = PushSubscription.objects.update_or_create(
            endpoint=data["endpoint"],
            defaults={
                "user": user,
                "p256dh": data["p256dh"],
                "auth": data["auth"],
                "device": data["device"],
            },
        )
        return device

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation
from stegvis.accounts.roles import NETWORK_ROLES as ROLES_IN_A_NETWORK
from stegvis.accounts.roles import Role, role_title_in
from stegvis.network.services import same_address

# The roles a patient can bring into their network.
NETWORK_ROLES = [(value, label) for value, label in Role.choices if value in ROLES_IN_A_NETWORK]


class _OfPatientsCountry(forms.Form):
    """Only the organisations of the patient's own country are offered: a Norwegian patient
    brings Nav and Norwegian care into their network, never a Swedish agency."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects)
    role = forms.ChoiceField(label=_("Role"), choices=NETWORK_ROLES)

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            jurisdiction=country
        ).order_by("name")
        self.fields["role"].choices = [
            (value, role_title_in(value, country)) for value, _label in NETWORK_ROLES
        ]


class FindStaffForm(_OfPatientsCountry):
    field_order = ["organisation", "role"]


class EmailInvitationForm(_OfPatientsCountry):
    name = forms.CharField(label=_("Their name"), max_length=150)
    email = forms.EmailField(label=_("Their e-mail"))
    field_order = ["name", "email", "organisation", "role"]


class ConsentForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to share until you stop it."),
    )

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        if ends_on and ends_on < timezone.localdate():
            raise ValidationError(_("Choose today or a later date."))
        return ends_on


class JoinRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("The patient's personal identity number or e-mail"), max_length=200
    )
    message = forms.CharField(
        label=_("A short note to the patient (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RegisterForm(forms.Form):
    """A new account for the invited address, and only for it."""

    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    given_name = forms.CharField(label=_("Given name"), max_length=150)
    family_name = forms.CharField(label=_("Family name"), max_length=150)
    password1 = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("The password again"), widget=forms.PasswordInput)

    def __init__(self, *args, invited_email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invited_email = invited_email
        self.fields["email"].initial = invited_email

    def clean_email(self) -> str:
        if not same_address(self.cleaned_data["email"], self.invited_email):
            raise ValidationError(
                _(
                    "The invitation was sent to another address. To use this one, ask whoever "
                    "invited you to send the invitation to it."
                )
            )
        return self.invited_email

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The passwords differ."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"])
            except ValidationError as error:
                self.add_error("password1", error)
        return data

"""Who opens an invitation link: the signed-in person, or someone new who makes an account
with the invited address (a patient's network and the representatives' network both).

An invitation belongs to the address it was sent to: someone signed in with another
address is refused, whoever gave them the link, and nobody signs up with another address."""

from dataclasses import dataclass

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from stegvis.accounts.models import User
from stegvis.network.forms import RegisterForm
from stegvis.network.services import same_address

BACKEND = "stegvis.accounts.backends.Backend"


@dataclass
class Invitee:
    user: User | None  # who accepts, once known
    form: RegisterForm | None  # for someone new
    must_sign_in: bool  # the address has an account: sign in to accept
    someone_else: bool = False  # signed in with another address: refused


def invitee(request: HttpRequest, email: str) -> Invitee:
    """On a POST from someone new with a valid form, their account is made and signed in."""
    user = request.user if request.user.is_authenticated else None
    if user is not None and not same_address(user.email, email):
        return Invitee(None, None, False, someone_else=True)
    existing = User.objects.filter(email__iexact=email).exists()
    form = (
        RegisterForm(request.POST or None, invited_email=email)
        if not existing and user is None
        else None
    )
    if request.method == "POST" and user is None and form is not None and form.is_valid():
        try:
            user = User.objects.create_user(
                email=email,
                password=form.cleaned_data["password1"],
                given_name=form.cleaned_data["given_name"],
                family_name=form.cleaned_data["family_name"],
                preferred_language=request.LANGUAGE_CODE[:2],
            )
        except (IntegrityError, ValidationError):
            form.add_error(None, _("An account with this e-mail exists. Sign in first."))
            user = None
        else:
            login(request, user, backend=BACKEND)
    return Invitee(user, form, existing and user is None)

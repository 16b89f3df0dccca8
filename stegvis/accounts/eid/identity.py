"""From a verified e-ID login to the person it is: found by their professional identity
(the HPR number in Norway, the HSA-id in Sweden) or by national identity number (checksum
validated), linked the first time, never made a second account; a care role signs in at a
high assurance level only."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from stegvis.accounts.eid.profiles import Profile, eid_data
from stegvis.accounts.models import User


class Refused(Exception):
    """The person cannot be signed in; `code` names why (the page a person sees)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Identified:
    user: User
    high: bool  # signed in at a high assurance level


# A professional's identity: the User field it is kept in, and its form.
PROFESSIONAL_IDS = {
    "hpr_number": re.compile(r"\d{1,9}"),  # Helsepersonellregisteret
    "hsa_id": re.compile(r"SE\d{10,12}-[0-9A-Za-z]{1,31}"),  # Inera's HSA catalogue
}


def claim(claims: dict, name: str) -> str:
    """One claim's value: OpenID Connect sends one, a SAML attribute a list."""
    value = claims.get(name, "") if name else ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def person_for(profile: Profile, claims: dict) -> Identified:
    high = claim(claims, profile.assurance_claim) in profile.high
    field, professional_id = _professional_id(profile, claims)
    by_professional = _by_professional_id(field, professional_id)
    by_number = _by_national_id(profile, claims)
    if by_professional and by_number and by_professional.pk != by_number.pk:
        raise Refused("identity_mismatch")
    user = by_professional or by_number
    if user is None or not user.is_active:
        raise Refused("no_account")
    if not high and user.roles & eid_data().high_required_for_roles:
        raise Refused("assurance_too_low")
    if professional_id and high and not getattr(user, field):  # linked the first time
        setattr(user, field, professional_id)
        user.save(update_fields=[field])
    return Identified(user, high)


def _professional_id(profile: Profile, claims: dict) -> tuple[str, str]:
    if profile.hpr_number_claim:
        return "hpr_number", claim(claims, profile.hpr_number_claim)
    return "hsa_id", claim(claims, profile.hsa_id_claim)


def _by_professional_id(field: str, value: str) -> User | None:
    if not value:
        return None
    if not PROFESSIONAL_IDS[field].fullmatch(value):
        raise Refused("bad_identity_number")
    found = list(User.objects.filter(**{field: value})[:2])
    if len(found) > 1:  # never guess between two accounts
        raise Refused("identity_mismatch")
    return found[0] if found else None


def _by_national_id(profile: Profile, claims: dict) -> User | None:
    raw = claim(claims, profile.national_id_claim)
    if not raw:
        return None
    try:
        return User.objects.get_by_national_id(raw, profile.country)
    except ValidationError:
        raise Refused("bad_identity_number") from None
    except User.DoesNotExist:
        return None

"""From a verified e-ID login to the person it is: found by HPR number (health personnel in
Norway) or by national identity number (checksum validated), linked the first time, never
made a second account; a care role signs in at a high assurance level only."""

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


def person_for(profile: Profile, claims: dict) -> Identified:
    high = str(claims.get(profile.assurance_claim, "")) in profile.high
    hpr = str(claims.get(profile.hpr_number_claim, "")) if profile.hpr_number_claim else ""
    by_hpr = _by_hpr(hpr)
    by_number = _by_national_id(profile, claims)
    if by_hpr and by_number and by_hpr.pk != by_number.pk:
        raise Refused("identity_mismatch")
    user = by_hpr or by_number
    if user is None or not user.is_active:
        raise Refused("no_account")
    if not high and user.roles & eid_data().high_required_for_roles:
        raise Refused("assurance_too_low")
    if hpr and high and not user.hpr_number:  # linked the first time, by identity number
        user.hpr_number = hpr
        user.save(update_fields=["hpr_number"])
    return Identified(user, high)


def _by_hpr(hpr: str) -> User | None:
    if not hpr:
        return None
    if not (hpr.isdigit() and len(hpr) <= 9):
        raise Refused("bad_identity_number")
    found = list(User.objects.filter(hpr_number=hpr)[:2])
    if len(found) > 1:  # never guess between two accounts
        raise Refused("identity_mismatch")
    return found[0] if found else None


def _by_national_id(profile: Profile, claims: dict) -> User | None:
    raw = claims.get(profile.national_id_claim)
    if not raw:
        return None
    try:
        return User.objects.get_by_national_id(str(raw), profile.country)
    except ValidationError:
        raise Refused("bad_identity_number") from None
    except User.DoesNotExist:
        return None

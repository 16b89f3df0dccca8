"""What each kind of e-ID provider sends about a person (stegvis/accounts/data/eid.toml)."""

from functools import cache
from pathlib import Path

from stegvis.core.lawdata import DataFile, Record, load

DATA = Path(__file__).resolve().parent.parent / "data" / "eid.toml"


class Profile(Record):
    code: str
    protocol: str = "oidc"  # or "saml"
    country: str  # whose identity numbers its people carry: "SE" or "NO"
    national_id_claim: str = ""
    assurance_claim: str
    high: tuple[str, ...]  # the assurance values that count as high
    hpr_number_claim: str = ""  # health personnel's HPR number (HelseID)
    hsa_id_claim: str = ""  # a Swedish professional's HSA-id (Inera's IdP)
    name_claim: str = ""
    # The assignments (medarbetaruppdrag) a professional works under, one value each:
    # "<assignment's HSA-id>;<purpose>;<care unit's HSA-id>". Only those for `care_purpose`
    # become memberships, in the role their title (`title_claim`) is given in `title_roles`.
    assignment_claim: str = ""
    care_purpose: str = ""
    title_claim: str = ""
    title_roles: dict[str, str] = {}


class EidData(DataFile):
    version: str
    high_required_for_roles: frozenset[str]
    profile: tuple[Profile, ...]


@cache
def eid_data() -> EidData:
    return load(DATA, EidData)


def profile(code: str) -> Profile:
    for found in eid_data().profile:
        if found.code == code:
            return found
    raise KeyError(f"no e-ID profile {code!r} in {DATA.name}")

import uuid

from ninja import Router, Schema

from stegvis.accounts.mfa import mfa_satisfied
from stegvis.accounts.models import Language

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organisation_id: int
    organisation: str
    organisation_kind: str
    role: str


class MeOut(Schema):
    id: uuid.UUID
    email: str
    given_name: str
    family_name: str
    preferred_language: str
    mfa_enabled: bool
    memberships: list[MembershipOut]


class MePatch(Schema):
    preferred_language: Language


def _me(user) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "preferred_language": user.preferred_language,
        "mfa_enabled": mfa_satisfied(user),
        "memberships": [
            {
                "organisation_id": m.organisation_id,
                "organisation": m.organisation.name,
                "organisation_kind": m.organisation.kind,
                "role": m.role,
            }
            for m in user.memberships_cached()
        ],
    }


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request):
    return _me(request.user)


@router.patch("/me", response=MeOut, summary="Change the signed-in user's preferences")
def update_me(request, changes: MePatch):
    request.user.preferred_language = changes.preferred_language
    request.user.save(update_fields=["preferred_language"])
    return _me(request.user)

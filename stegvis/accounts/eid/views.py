"""Signing in by national e-ID: the sign-in page's button starts it (a POST, so no other
site can start a login in someone's browser), the provider sends the browser back (to the
callback by OpenID Connect, to the assertion consumer by SAML), and a refusal is a page
that says what happened and what to do. A person with several assignments picks the one
they work under; signing out ends the session at the provider too."""

import base64
import logging

from cryptography.fernet import Fernet
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.accounts.eid import assignments, oidc, saml
from stegvis.accounts.eid.identity import Refused, person_for
from stegvis.accounts.eid.providers import Provider, address, provider_named
from stegvis.accounts.models import Membership
from stegvis.accounts.national_id import derived_key

logger = logging.getLogger(__name__)

PENDING = "stegvis_eid_pending"
# What signs the person out at the provider again: {"provider", and "id_token" (sealed)
# or "name_id" and "session_index"}.
SIGNED_IN_BY = "stegvis_eid_signed_in_by"

# What a person is told, by the refusal's code; none names an identity number.
REFUSALS = {
    "provider": _("The e-ID service did not complete the sign-in. Please try again."),
    "expired": _(
        "This sign-in was started in another window or took too long. Please start again."
    ),
    "no_account": _(
        "There is no Stegvis account for you yet. Your care unit, or whoever invited you, "
        "can send you an invitation."
    ),
    "bad_identity_number": _(
        "The e-ID service sent an identity number that is not valid. Please contact your care unit."
    ),
    "identity_mismatch": _(
        "Your e-ID belongs to two different Stegvis accounts. Please contact your care unit "
        "so that they can be joined."
    ),
    "assurance_too_low": _(
        "To work with patients' data you sign in at the high level, and %(provider)s did "
        "not confirm that level for this sign-in. Please sign in again at the high level."
    ),
    "no_assignment": _(
        "Your e-ID lists no assignment for care and treatment at a unit that uses Stegvis. "
        "Please ask your unit's HSA administrator."
    ),
}


def _refused(
    request: HttpRequest, provider: Provider, code: str, status: int = 403
) -> HttpResponse:
    logger.info("e-ID sign-in at %s refused: %s", provider.slug, code)
    message = REFUSALS[code] % {"provider": provider.name}
    context = {"message": message, "provider": provider}
    return render(request, "accounts/eid_refused.html", context, status=status)


def _sealing() -> Fernet:
    """The ID token kept for signing out names the person: the session keeps it sealed."""
    return Fernet(base64.urlsafe_b64encode(derived_key(b"stegvis e-id logout hint")))


def _found(slug: str, protocol: str | None = None) -> Provider:
    found = provider_named(slug)
    if found is None or (protocol and found.protocol != protocol):
        raise Http404
    return found


@require_POST
def eid_login(request: HttpRequest, provider: str) -> HttpResponse:
    found = _found(provider)
    try:
        if found.protocol == "saml":
            url, request_id = saml.begin(found.client)
            pending = {"request_id": request_id}
        else:
            url, kept = oidc.begin(found.client)
            pending = kept.as_dict()
    except (oidc.LoginRefused, OSError) as error:
        logger.warning("e-ID sign-in at %s could not start: %s", found.slug, error)
        return _refused(request, found, "provider", status=502)
    request.session[PENDING] = {"provider": found.slug, **pending}
    return redirect(url)


def _pending(request: HttpRequest, found: Provider) -> dict | None:
    """This browser's sign-in at `found`, taken once: a second visit, or another login's
    answer, finds none."""
    kept = request.session.pop(PENDING, None)
    if not kept or kept.pop("provider") != found.slug:
        return None
    return kept


@require_safe
def eid_callback(request: HttpRequest, provider: str) -> HttpResponse:
    found = _found(provider, "oidc")
    kept = _pending(request, found)
    if kept is None:
        return _refused(request, found, "expired", status=400)
    try:
        signed = oidc.finish(found.client, oidc.Pending(**kept), request.GET.dict())
    except oidc.LoginRefused as refusal:
        logger.info("e-ID sign-in at %s refused by the relying party: %s", found.slug,
                    refusal.reason)  # fmt: skip
        return _refused(request, found, "provider", status=400)
    except OSError as error:
        logger.warning("e-ID sign-in at %s failed: %s", found.slug, error)
        return _refused(request, found, "provider", status=502)
    sealed = _sealing().encrypt(signed.id_token.encode()).decode()
    return _sign_in(request, found, signed.claims, {"id_token": sealed})


@csrf_exempt  # the provider posts the answer; its InResponseTo ties it to this browser
@never_cache  # the answer is a bearer's proof until it is taken
@require_POST
def eid_saml_acs(request: HttpRequest, provider: str) -> HttpResponse:
    found = _found(provider, "saml")
    answer = request.POST.get("SAMLResponse", "")
    if PENDING not in request.session and "again" not in request.POST:
        # A browser posting from the provider's site leaves out the session cookie
        # (SameSite=Lax): the answer is posted once more, from Stegvis's own page.
        return render(request, "accounts/eid_continue.html", {"answer": answer})
    kept = request.session.get(PENDING)
    if not kept or kept.get("provider") != found.slug:
        return _refused(request, found, "expired", status=400)
    try:
        signed = saml.finish(found.client, answer, kept["request_id"])
    except oidc.LoginRefused as refusal:
        # The sign-in under way stays: an answer another site posted here cannot end it.
        logger.info("e-ID sign-in at %s refused by the service provider: %s", found.slug,
                    refusal.reason)  # fmt: skip
        return _refused(request, found, "provider", status=400)
    del request.session[PENDING]  # an answer is taken once
    kept_for_logout = {"name_id": signed.name_id, "session_index": signed.session_index}
    return _sign_in(request, found, signed.claims, kept_for_logout)


def _sign_in(request: HttpRequest, found: Provider, claims: dict, logout: dict):
    try:
        identified = person_for(found.profile, claims)
        taken_up = _assignments(found, claims, identified)
    except Refused as refusal:
        return _refused(request, found, refusal.code)
    backend = "HighAssuranceEidBackend" if identified.high else "EidBackend"
    login(request, identified.user, backend=f"stegvis.accounts.backends.{backend}")
    request.session[SIGNED_IN_BY] = {"provider": found.slug, **logout}
    request.session.pop(assignments.ACTING, None)  # an earlier sign-in's, in this session
    if taken_up is not None and assignments.begin_acting(request.session, taken_up):
        return redirect("eid_assignment")
    return redirect("home")


def _assignments(found: Provider, claims: dict, identified) -> list[Membership] | None:
    """The memberships of a professional's assignments, where the provider sends them:
    taken up at a high level only, and those no longer held ended."""
    if not found.profile.assignment_claim:
        return None
    held = assignments.assignments_in(found.profile, claims)
    if not identified.high:
        if held:
            raise Refused("assurance_too_low")
        return []
    worked_in_care = bool(identified.user.roles & assignments.assigned_roles())
    taken_up = assignments.take_up(identified.user, held)
    if not taken_up and (held or worked_in_care):
        raise Refused("no_assignment")
    return taken_up


@login_required
@require_http_methods(["GET", "POST"])
def eid_assignment(request: HttpRequest) -> HttpResponse:
    """Which of their assignments a professional works under now."""
    acting = request.session.get(assignments.ACTING)
    if not acting:
        raise Http404
    if request.method == "POST":
        try:
            unit = int(request.POST.get("unit", ""))
        except ValueError:
            unit = None
        if unit is not None and assignments.pick(request.session, unit):
            return redirect("home")
    units = Membership.objects.filter(
        user=request.user,
        organisation_id__in=acting["units"],
        role__in=assignments.assigned_roles(),
    ).select_related("organisation")
    context = {"memberships": units, "picked": acting["unit"],
               "refused": request.method == "POST"}  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/eid_assignment.html", context, status=status)


def provider_logout_url(request: HttpRequest) -> str:
    """Where a person signing out goes next to end their session at the e-ID provider
    (empty where they did not sign in by e-ID, or the provider offers no logout)."""
    kept = request.session.get(SIGNED_IN_BY)
    found = provider_named(kept["provider"]) if kept else None
    if found is None:
        return ""
    after = address("eid_logged_out", found.slug)
    try:
        if found.protocol == "saml":
            return saml.logout_url(found.client, kept["name_id"], kept["session_index"])
        id_token = _sealing().decrypt(kept["id_token"].encode()).decode()
        return oidc.logout_url(found.client, id_token, after)
    except Exception as error:  # signing out here must never fail for the provider's sake
        logger.warning("e-ID sign-out at %s could not be sent: %s", found.slug,
                       type(error).__name__)  # fmt: skip
        return ""


@csrf_exempt  # where the provider sends the browser back after signing out there
@require_http_methods(["GET", "POST"])
def eid_logged_out(request: HttpRequest, provider: str) -> HttpResponse:
    """Back from signing out at the provider; or, by SAML, the provider signing the person
    out of every service (a signed LogoutRequest), Stegvis among them, and told so."""
    found = _found(provider)
    if found.protocol != "saml" or "SAMLRequest" not in request.GET:
        return redirect("account_login")
    try:
        name_id, answer = saml.logout_requested(found.client, request.GET.dict())
    except oidc.LoginRefused as refusal:
        logger.info("e-ID sign-out from %s refused: %s", found.slug, refusal.reason)
        return redirect("account_login")
    kept = request.session.get(SIGNED_IN_BY) or {}
    if kept.get("provider") == found.slug and kept.get("name_id") == name_id:
        logout(request)
    return redirect(answer)


@require_safe
def eid_saml_metadata(request: HttpRequest, provider: str) -> HttpResponse:
    """Stegvis's SAML metadata: what the provider registers (its entity id is this address)."""
    found = _found(provider, "saml")
    return HttpResponse(saml.metadata(found.client), content_type="application/samlmetadata+xml")

"""Signing in by national e-ID: the sign-in page's button starts it (a POST, so no other
site can start a login in someone's browser), the provider sends the browser back to the
callback, and a refusal is a page that says what happened and what to do."""

import logging

from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from stegvis.accounts.eid import oidc
from stegvis.accounts.eid.identity import Refused, person_for
from stegvis.accounts.eid.providers import provider_named

logger = logging.getLogger(__name__)

PENDING = "stegvis_eid_pending"

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
        "To work with patients' data you sign in with an e-ID at the high level (SITHS, "
        "BankID, HelseID or MinID at the high level)."
    ),
}


def _refused(request: HttpRequest, provider, code: str, status: int = 403) -> HttpResponse:
    logger.info("e-ID sign-in at %s refused: %s", provider.slug if provider else "-", code)
    context = {"message": REFUSALS[code], "provider": provider}
    return render(request, "accounts/eid_refused.html", context, status=status)


@require_POST
def eid_login(request: HttpRequest, provider: str) -> HttpResponse:
    found = provider_named(provider)
    if found is None:
        raise Http404
    try:
        url, pending = oidc.begin(found.client)
    except (oidc.LoginRefused, OSError) as error:
        logger.warning("e-ID sign-in at %s could not start: %s", found.slug, error)
        return _refused(request, found, "provider", status=502)
    request.session[PENDING] = {"provider": found.slug, **pending.as_dict()}
    return redirect(url)


@require_safe
def eid_callback(request: HttpRequest, provider: str) -> HttpResponse:
    found = provider_named(provider)
    if found is None:
        raise Http404
    # Each login is finished once: a second visit, or another login's answer, finds none.
    kept = request.session.pop(PENDING, None)
    if not kept or kept.pop("provider") != found.slug:
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
    try:
        identified = person_for(found.profile, signed.claims)
    except Refused as refusal:
        return _refused(request, found, refusal.code)
    backend = "HighAssuranceEidBackend" if identified.high else "EidBackend"
    login(request, identified.user, backend=f"stegvis.accounts.backends.{backend}")
    return redirect("home")

"""The patient's network pages, the invitation link, and a staff member's join request."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access.care import program_team_of
from stegvis.access.categories import Category
from stegvis.access.helpers import get_record_for, get_self_for
from stegvis.accounts.mfa import mfa_satisfied
from stegvis.accounts.models import Membership, User
from stegvis.accounts.roles import STAFF_ROLES, asks_to_join_as
from stegvis.cases.country import country_of
from stegvis.network import selectors, services
from stegvis.network.forms import (
    ConsentForm,
    EmailInvitationForm,
    FindStaffForm,
    JoinRequestForm,
)
from stegvis.network.invitee import invitee
from stegvis.network.models import NetworkMember
from stegvis.network.rules import NETWORK_MEMBER


def _own_network(request: HttpRequest, object_type: str = "network") -> User:
    """The signed-in person as the owner of a network (audited); 404 for anyone else."""
    return get_self_for(request.user, category=Category.NETWORK, object_type=object_type)


def _member_for(request: HttpRequest, member_id, action: str = "view") -> NetworkMember:
    return get_record_for(request.user, NETWORK_MEMBER, member_id, action=action)


@login_required
@require_safe
def network(request: HttpRequest) -> HttpResponse:
    patient = _own_network(request)
    return render(
        request,
        "network/network.html",
        {
            "members": selectors.network_of(patient),
            "requests": selectors.pending_requests(patient),
            "program_team": program_team_of(patient),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_detail(request: HttpRequest, member_id) -> HttpResponse:
    """What one member may see, with a button per category and purpose."""
    is_write = request.method == "POST"
    member = _member_for(request, member_id, "update" if is_write else "view")
    form = ConsentForm(request.POST or None)
    if is_write and form.is_valid():
        try:
            if "grant" in request.POST:
                category, _sep, purpose = request.POST["grant"].partition(":")
                services.consent_grant(
                    actor=request.user,
                    member=member,
                    category=category,
                    purpose=purpose,
                    ends_on=form.cleaned_data["ends_on"],
                )
                messages.success(request, _("Shared. It applies from their next click."))
            elif "withdraw" in request.POST:
                consent = _open_consent(member, request.POST["withdraw"])
                services.consent_withdraw(actor=request.user, consent=consent)
                messages.success(request, _("Stopped. They can no longer see it."))
            return redirect("network_member", member.pk)
        except services.ConsentNotAllowed as refusal:
            form.add_error(None, str(refusal))
    return render(
        request,
        "network/member.html",
        {"member": member, "form": form, "sections": selectors.consent_grid(member)},
        status=400 if is_write else 200,
    )


@login_required
@require_POST
def member_respond(request: HttpRequest, member_id) -> HttpResponse:
    member = _member_for(request, member_id, "update")
    accept = request.POST.get("answer") == "accept"
    services.member_respond(actor=request.user, member=member, accept=accept)
    if accept:
        messages.success(request, _("Accepted. Now choose what they may see."))
        return redirect("network_member", member.pk)
    messages.success(request, _("Declined."))
    return redirect("network")


@login_required
@require_POST
def member_remove(request: HttpRequest, member_id) -> HttpResponse:
    member = _member_for(request, member_id, "delete")
    services.member_remove(actor=request.user, member=member)
    messages.success(request, _("Removed. Everything you shared with them has stopped."))
    return redirect("network")


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest) -> HttpResponse:
    """Find staff by organisation and role and add them, or invite anyone by e-mail."""
    patient = _own_network(request, "network_add")
    # Both forms ask for an organisation and a role: their own ids keep each label on its field.
    country = country_of(patient.pk)
    find = FindStaffForm(request.GET or None, auto_id="find_%s", country=country)
    invite = EmailInvitationForm(
        request.POST if "invite" in request.POST else None, auto_id="invite_%s", country=country
    )
    staff = []
    if find.is_valid():
        staff = (
            User.objects.filter(
                is_active=True,
                memberships__organisation=find.cleaned_data["organisation"],
                memberships__role=find.cleaned_data["role"],
            )
            .exclude(pk=patient.pk)
            .order_by("given_name", "family_name")
        )
    if "add" in request.POST:
        membership = Membership.objects.filter(
            user_id=request.POST.get("user"),
            organisation_id=request.POST.get("organisation"),
            role=request.POST.get("role"),
        ).first()
        if membership is None or membership.role not in STAFF_ROLES:
            raise Http404
        member = services.member_add(
            actor=patient,
            user=membership.user,
            organisation=membership.organisation,
            role=membership.role,
        )
        messages.success(
            request,
            _("{name} is in your network. Choose what they may see.").format(name=member.user),
        )
        return redirect("network_member", member.pk)
    if invite.is_valid():
        member = services.member_invite_by_email(actor=patient, **invite.cleaned_data)
        messages.success(
            request, _("We sent an invitation to {email}.").format(email=member.invited_email)
        )
        return redirect("network")
    return render(
        request,
        "network/add.html",
        {"find": find, "invite": invite, "staff": staff},
        status=400 if invite.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail. The invitee, signed in with the invited address,
    accepts with one click; someone new chooses a name and password, and gets an account
    of the invited role for that address. Anyone signed in with another address is
    refused, without the patient's name."""
    member = services.invitation_for_token(token)
    if member is None:
        return render(request, "network/invitation_invalid.html", status=404)
    found = invitee(request, member.invited_email)
    if found.someone_else:
        services.invitation_refused(member=member, reader=request.user)
        return render(request, "network/invitation_not_theirs.html", status=403)
    services.invitation_opened(member=member, reader=found.user)
    if request.method == "POST" and found.user is not None:
        try:
            services.invitation_accept(member=member, user=found.user)
        except services.InvitationUsed:
            return render(request, "network/invitation_invalid.html", status=404)
        messages.success(request, _("You are in {name}'s network.").format(name=member.patient))
        return redirect("home" if mfa_satisfied(found.user) else "mfa_activate_totp")
    return render(
        request,
        "network/invitation.html",
        {"member": member, "form": found.form, "must_sign_in": found.must_sign_in},
        status=400 if found.form is not None and found.form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def join_request(request: HttpRequest) -> HttpResponse:
    """A staff member asks to join a patient's network. The answer is the same whether
    or not the patient exists, so the form reveals nobody."""
    memberships = asks_to_join_as(request.user.memberships_cached())
    if not memberships:
        raise Http404
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = _find_patient(form.cleaned_data["identifier"])
        if patient is not None and patient.is_patient and patient.pk != request.user.pk:
            services.member_request_join(
                actor=request.user,
                membership=memberships[0],
                patient=patient,
                message=form.cleaned_data["message"],
            )
        messages.success(
            request, _("If the person uses Stegvis, they will see your request and answer it.")
        )
        return redirect("home")
    return render(request, "network/join.html", {"form": form, "membership": memberships[0]})


def _find_patient(identifier: str) -> User | None:
    identifier = identifier.strip()
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier, is_active=True).first()
    for country in ("SE", "NO"):
        try:
            return User.objects.get_by_national_id(identifier, country)
        except (User.DoesNotExist, ValidationError):
            continue
    return None


def _open_consent(member: NetworkMember, consent_id: str):
    try:
        return member.consents.get(pk=uuid.UUID(consent_id))
    except (ValueError, member.consents.model.DoesNotExist):
        raise Http404 from None

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from stegvis.accounts import sessions
from stegvis.accounts.mfa import mfa_satisfied


class SessionLimitMiddleware:
    """Ends a session that has been idle, or open, longer than its user's limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if sessions.session_expired(request.session, user):
                # Only this session ends; logging out on purpose ends them all.
                request.session.flush()
                request.user = AnonymousUser()
                if not request.path.startswith("/api/"):
                    messages.info(request, _("You were signed out after a while without use."))
                    return redirect(f"{reverse('account_login')}?next={request.path}")
            else:
                sessions.touch(request.session)
        return self.get_response(request)


# Pages a staff member without a second factor may still reach: sign-in, MFA set-up,
# language, static files. Patient data is refused by the access policy as well.
MFA_EXEMPT_PREFIXES = (
    "/accounts/", "/language/", "/static/", "/health/", "/api/", "/invitations/", "/help/",
    # The app's shell: no one's data, and the phone asks for it on every page.
    "/manifest.webmanifest", "/sw.js", "/offline/",
)  # fmt: skip


class StaffMfaMiddleware:
    """Sends staff who have not set up a second factor to the set-up page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff_member
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not mfa_satisfied(user)
        ):
            messages.info(request, _("Set up two-step verification before you open patient data."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)

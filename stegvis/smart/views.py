"""SMART on FHIR's pages: the discovery document, the consent screen (django-oauth-toolkit's
authorization view with SMART's audience and launch context), introspection, and the
person's own list of the apps they have let in."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from oauth2_provider import views as oauth
from oauth2_provider.forms import AllowForm
from oauth2_provider.models import Application
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.views.base import BaseAuthorizationView
from oauthlib.common import Request as OauthlibRequest

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_patient_for, get_self_for, refuse
from stegvis.smart import connections, cors, discovery, launches, registrations, scopes
from stegvis.smart.discovery import fhir_base
from stegvis.smart.forms import StaffAppForm
from stegvis.smart.models import AppKind


@require_GET
def configuration(request: HttpRequest) -> JsonResponse:
    """/fhir/.well-known/smart-configuration: what an app needs to connect, for anyone."""
    return JsonResponse(discovery.configuration(request))


class ConsentForm(AllowForm):
    launch = forms.CharField(required=False, widget=forms.HiddenInput())
    aud = forms.CharField(required=False, widget=forms.HiddenInput())


class Authorize(oauth.AuthorizationView):
    """The consent screen: the app, in plain words what it will see and do and for how
    long, and the patient it will work with. An app must name this server as its audience;
    a staff app is opened from a patient's page (its launch), a patient's app works with
    the patient signed in."""

    template_name = "smart/authorize.html"
    form_class = ConsentForm
    http_method_names = ["get", "post"]

    def get_initial(self):
        return {
            **super().get_initial(),
            "launch": self.request.GET.get("launch", ""),
            "aud": self.request.GET.get("aud", ""),
        }

    def get(self, request, *args, **kwargs):
        # The person is always asked: an app may not skip the screen (approval_prompt=auto).
        request.GET = request.GET.copy()
        request.GET.pop("approval_prompt", None)
        refused = self._refused(request.GET)
        return refused or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        refused = self._refused(request.POST)
        return refused or super().post(request, *args, **kwargs)

    def _refused(self, asked) -> HttpResponse | None:
        """The launch's patient, found and recorded (self.patient); else the page that
        says why the app cannot go on."""
        application = launches.application(asked.get("client_id", ""))
        if application is None:
            why = _("No app is registered with this client id.")
            return render(self.request, "smart/refused.html", {"why": why}, status=400)
        if asked.get("aud", "").rstrip("/") != fhir_base(self.request).rstrip("/"):
            return self._refusal(application, _("The app did not name this server's FHIR address."))
        found = launches.patient_for(self.request.user, application, asked.get("scope", ""),
                                     asked.get("launch", ""))  # fmt: skip
        if isinstance(found, str):
            return self._refusal(application, found)
        self.patient = found
        wider = connections.scopes_refusal(application, asked.get("scope", "").split(),
                                           self.request.user)  # fmt: skip
        if wider:
            return self._refusal(application, wider)
        return None

    def error_response(self, error, application, **kwargs):
        """An error the app cannot be sent back with (an address it never registered): the
        person is told the app cannot connect, in their language."""
        redirect, answer = super(BaseAuthorizationView, self).error_response(error, **kwargs)
        if redirect:
            return self.redirect(answer["url"], application)
        why = _("The app's request does not match how it is registered (its address or its name).")
        return render(self.request, "smart/refused.html", {"application": application, "why": why},
                      status=answer["error"].status_code)  # fmt: skip

    def _refusal(self, application, why: str) -> HttpResponse:
        return render(self.request, "smart/refused.html", {"application": application, "why": why},
                      status=400)  # fmt: skip

    def create_authorization_response(self, request, scopes, credentials, allow):
        credentials["smart_patient"] = self.patient.pk
        return super().create_authorization_response(request, scopes, credentials, allow)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = context.get("application")
        if application is not None:
            context["described"] = scopes.described(" ".join(context.get("scopes", [])))
            context["patient"] = self.patient
            context["own"] = self.patient.pk == self.request.user.pk
            context["registration"] = application.registration
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        # The answer to the form sends the browser on to the app: the page's form-action
        # must allow the app's redirect addresses.
        application = context.get("application")
        if application is not None:
            response._csp_config = _with_form_action(application.redirect_uris.split())
        return response


def _with_form_action(uris: list[str]) -> dict:
    # A loopback address is registered without its port (RFC 8252: any port).
    origins = [f"{origin}:*" if cors.is_loopback(origin) else origin
               for origin in registrations.origins_of(uris)]  # fmt: skip
    policy = dict(settings.SECURE_CSP)
    policy["form-action"] = [CSP.SELF, *origins]
    return policy


# django-oauth-toolkit's own endpoints, as they are (named here so each appears in the
# route table as Stegvis's).
class Token(oauth.TokenView):
    http_method_names = ["post"]


class RevokeToken(oauth.RevokeTokenView):
    http_method_names = ["post"]


class OpenIdConfiguration(oauth.ConnectDiscoveryInfoView):
    http_method_names = ["get"]


class Jwks(oauth.JwksInfoView):
    http_method_names = ["get"]


class UserInfo(oauth.UserInfoView):
    http_method_names = ["get", "post"]


@csrf_exempt
@require_POST
def introspect(request: HttpRequest) -> JsonResponse:
    """RFC 7662, for the app's own tokens: the client authenticates as at the token
    endpoint, and learns nothing of another app's tokens."""
    core = get_oauthlib_core()
    uri, method, body, headers = core._extract_params(request)
    asking = OauthlibRequest(uri, method, body, headers)
    authenticated = core.server.request_validator.authenticate_client(asking)
    if not authenticated or asking.client.client_type != Application.CLIENT_CONFIDENTIAL:
        return JsonResponse({"error": "invalid_client"}, status=401)
    return JsonResponse(connections.introspection(request.POST.get("token", ""), asking.client,
                                               fhir_base(request)))  # fmt: skip


@login_required
@require_GET
def my_apps(request: HttpRequest) -> HttpResponse:
    """The apps the person has let in, with their last use, each to be revoked in a click."""
    person = get_self_for(request.user, category=Category.NETWORK, object_type="app_connections")
    found = connections.connections_of(person)
    return render(request, "smart/apps.html", {"connections": found})


@login_required
@require_POST
def app_revoke(request: HttpRequest, connection_id: int) -> HttpResponse:
    person = get_self_for(request.user, category=Category.NETWORK, action=Action.UPDATE,
                          object_type="app_connection")  # fmt: skip
    connection = connections.connection_of(person, connection_id)
    if connection is not None:
        connections.revoke(connection)
        messages.success(request, _("%(app)s can no longer reach your data.")
                         % {"app": connection.application.name})  # fmt: skip
    return redirect("smart_apps")


@login_required
@require_POST
def launch_app(request: HttpRequest, patient_id) -> HttpResponse:
    """Open a staff app with this patient (SMART's EHR launch): the browser goes on to the
    app's launch address with this server's FHIR address and the launch's id."""
    registration = registrations.staff_app(request.user, request.POST.get("app", ""))
    if registration is None:  # no app of the person's units: refused, recorded
        refuse(request.user, category=Category.IDENTITY, object_type="smart_launch",
               basis="no_such_app", object_id=patient_id)  # fmt: skip
    patient = get_patient_for(request.user, patient_id, category=Category.IDENTITY,
                              object_type="smart_launch")  # fmt: skip
    launch = launches.start(request.user, registration.application, patient)
    joiner = "&" if "?" in registration.launch_url else "?"
    query = urlencode({"iss": fhir_base(request).rstrip("/"), "launch": launch.pk})
    address = registration.launch_url + joiner + query
    return render(request, "smart/launching.html",
                  {"registration": registration, "address": address})  # fmt: skip


def _managed_unit(request: HttpRequest, unit_id: int):
    unit = next((u for u in registrations.managed_units(request.user) if u.pk == unit_id), None)
    if unit is None:
        raise Http404
    return unit


@login_required
@require_http_methods(["GET", "POST"])
def unit_apps(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The unit's staff apps, registered by its manager: the client id, and a secret shown
    once."""
    unit = _managed_unit(request, unit_id)
    form = StaffAppForm(request.POST or None)
    issued, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            issued = registrations.register(
                kind=AppKind.STAFF, name=data["name"], redirect_uris=data["redirect_uris"],
                launch_url=data["launch_url"], description=data["description"],
                confidential=data["confidential"], unit=unit, by=request.user,
            )  # fmt: skip
            form, status = StaffAppForm(), 201
    context = {"unit": unit, "form": form, "apps": registrations.apps_of_unit(unit),
               "issued": issued}  # fmt: skip
    return render(request, "smart/unit_apps.html", context, status=status)


@login_required
@require_POST
def unit_app_remove(request: HttpRequest, unit_id: int, registration_id: int) -> HttpResponse:
    unit = _managed_unit(request, unit_id)
    found = next((r for r in registrations.apps_of_unit(unit) if r.pk == registration_id), None)
    if found is None:
        raise Http404
    registrations.remove(found)
    messages.success(request, _("%(app)s is removed, and every permission it held has ended.")
                     % {"app": found.application.name})  # fmt: skip
    return redirect("smart_unit_apps", unit_id=unit.pk)

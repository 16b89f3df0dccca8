from django.urls import include, path

from stegvis import api as api_module
from stegvis.api import api
from stegvis.core import views as core_views
from stegvis.portal import app as portal_app
from stegvis.portal import views as portal_views

urlpatterns = [
    # First: Django tries the patterns in order, and every app's pages sit under "".
    path("api/v1/", api.urls),
    # Right after the API: any other address under it is answered in the API's error shape.
    path("api/v1/<path:path>", api_module.unknown, name="api_unknown"),
    path("", portal_views.home, name="home"),
    path("language/", portal_views.set_language, name="set_language"),
    path("health/", core_views.health, name="health"),
    path("manifest.webmanifest", portal_app.manifest, name="web_manifest"),
    path("sw.js", portal_app.service_worker, name="service_worker"),
    path("offline/", portal_app.offline, name="offline"),
    path("more/", portal_app.more, name="more"),
    path("accounts/eid/", include("stegvis.accounts.eid.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("stegvis.accounts.urls")),
    path("", include("stegvis.access.urls")),
    path("", include("stegvis.cases.urls")),
    path("", include("stegvis.network.urls")),
    path("", include("stegvis.plans.urls")),
    path("", include("stegvis.notifications.urls")),
    path("", include("stegvis.coaching.urls")),
    path("", include("stegvis.instruments.urls")),
    path("", include("stegvis.coordination.urls")),
    path("", include("stegvis.programs.urls")),
    path("", include("stegvis.participation.urls")),
    # Before the FHIR API: its discovery document sits under /fhir/.
    path("", include("stegvis.smart.urls")),
    path("", include("stegvis.fhir.urls")),
    path("", include("stegvis.insights.urls")),
]

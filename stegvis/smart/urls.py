from django.urls import include, path

from stegvis.smart import views


def _view(view_class):
    """The class's view, declaring the methods it takes (as the route table asks)."""
    view = view_class.as_view()
    view.http_methods = tuple(m.upper() for m in view_class.http_method_names)
    return view


# django-oauth-toolkit's endpoints, under its own namespace (its views reverse by it), with
# SMART's consent screen and introspection in place of its own; no application management
# pages: apps are registered by their unit's manager.
oauth_patterns = (
    [
        path("authorize/", _view(views.Authorize), name="authorize"),
        path("token/", _view(views.Token), name="token"),
        path("revoke_token/", _view(views.RevokeToken), name="revoke-token"),
        path("introspect/", views.introspect, name="introspect"),
        path(
            ".well-known/openid-configuration",
            _view(views.OpenIdConfiguration),
            name="oidc-connect-discovery-info",
        ),
        path(".well-known/jwks.json", _view(views.Jwks), name="jwks-info"),
        path("userinfo/", _view(views.UserInfo), name="user-info"),
    ],
    "oauth2_provider",
)

urlpatterns = [
    path("fhir/.well-known/smart-configuration", views.configuration, name="smart_configuration"),
    path("oauth/", include(oauth_patterns)),
    path("account/apps/", views.my_apps, name="smart_apps"),
    path("account/apps/<int:connection_id>/revoke/", views.app_revoke, name="smart_app_revoke"),
    path("patients/<uuid:patient_id>/launch-app/", views.launch_app, name="smart_launch"),
    path("account/units/<int:unit_id>/apps/", views.unit_apps, name="smart_unit_apps"),
    path(
        "account/units/<int:unit_id>/apps/<int:registration_id>/remove/",
        views.unit_app_remove,
        name="smart_unit_app_remove",
    ),
]

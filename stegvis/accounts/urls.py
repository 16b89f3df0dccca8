from django.urls import path

from stegvis.accounts import views

urlpatterns = [
    path("", views.account_settings, name="account_settings"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path(
        "units/<int:unit_id>/opening-hours/",
        views.unit_opening_hours,
        name="unit_opening_hours",
    ),
]

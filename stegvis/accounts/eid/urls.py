from django.urls import path

from stegvis.accounts.eid import views

urlpatterns = [
    path("assignment/", views.eid_assignment, name="eid_assignment"),
    path("<slug:provider>/login/", views.eid_login, name="eid_login"),
    path("<slug:provider>/callback/", views.eid_callback, name="eid_callback"),
    path("<slug:provider>/saml/acs/", views.eid_saml_acs, name="eid_saml_acs"),
    path("<slug:provider>/saml/metadata/", views.eid_saml_metadata, name="eid_saml_metadata"),
    path("<slug:provider>/logged-out/", views.eid_logged_out, name="eid_logged_out"),
]

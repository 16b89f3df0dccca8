from django.urls import path

from stegvis.accounts.eid import views

urlpatterns = [
    path("<slug:provider>/login/", views.eid_login, name="eid_login"),
    path("<slug:provider>/callback/", views.eid_callback, name="eid_callback"),
]

from django.urls import path

from stegvis.network import views

urlpatterns = [
    path("network/", views.network, name="network"),
    path("network/add/", views.member_add, name="network_add"),
    path("network/join/", views.join_request, name="network_join"),
    path("network/members/<uuid:member_id>/", views.member_detail, name="network_member"),
    path("network/members/<uuid:member_id>/respond/", views.member_respond, name="network_respond"),
    path("network/members/<uuid:member_id>/remove/", views.member_remove, name="network_remove"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

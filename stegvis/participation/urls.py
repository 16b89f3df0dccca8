from django.urls import path

from stegvis.participation import views

urlpatterns = [
    path("participation/", views.participation_home, name="participation"),
    path("participation/proposals/new/", views.proposal_new, name="proposal_new"),
    path(
        "participation/proposals/<uuid:service_proposal_id>/",
        views.proposal_detail,
        name="proposal_detail",
    ),
    path("participation/network/", views.network, name="participation_network"),
    path(
        "participation/network/<int:representative_id>/",
        views.representative_detail,
        name="representative_detail",
    ),
    path("participation/me/", views.my_profile, name="my_participation_profile"),
    path("participation/join/<str:token>/", views.representative_join, name="representative_join"),
    path("participation/activities/", views.activity_list, name="activities"),
    path(
        "participation/activities/<uuid:activity_id>/",
        views.activity_detail,
        name="activity_detail",
    ),
    path("participation/results/", views.you_said_we_did, name="you_said_we_did"),
    path("participation/impact/", views.impact, name="participation_impact"),
]

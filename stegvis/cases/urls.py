from django.urls import path

from stegvis.cases import views

urlpatterns = [
    path("cases/new/", views.case_new, name="case_new"),
    path("codes/<slug:system>/", views.code_search, name="code_search"),
    path("cases/<uuid:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:case_id>/edit/", views.case_edit, name="case_edit"),
    path(
        "cases/<uuid:case_id>/milestones/<slug:code>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
    path("cases/<uuid:case_id>/certificates/", views.certificate_list, name="certificate_list"),
    path("cases/<uuid:case_id>/certificates/new/", views.certificate_new, name="certificate_new"),
    path(
        "cases/<uuid:case_id>/certificates/guidance/",
        views.certificate_guidance,
        name="certificate_guidance",
    ),
    path(
        "certificates/<uuid:certificate_id>/",
        views.certificate_detail,
        name="certificate_detail",
    ),
    path(
        "certificates/<uuid:certificate_id>/edit/", views.certificate_edit, name="certificate_edit"
    ),
    path(
        "certificates/<uuid:certificate_id>/sign/", views.certificate_sign, name="certificate_sign"
    ),
    path(
        "certificates/<uuid:certificate_id>/correct/",
        views.certificate_correct,
        name="certificate_correct",
    ),
    path(
        "certificates/<uuid:certificate_id>/employer-copy/",
        views.employer_copy,
        name="certificate_employer_copy",
    ),
]

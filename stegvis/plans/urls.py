from django.urls import path

from stegvis.plans import views

urlpatterns = [
    path("my-plan/", views.my_plan, name="my_plan"),
    path("cases/<uuid:case_id>/plan/", views.plan_detail, name="plan_detail"),
    path("cases/<uuid:case_id>/plan.pdf", views.plan_pdf, name="plan_pdf"),
    path("cases/<uuid:case_id>/plan/versions/", views.plan_versions, name="plan_versions"),
    path("cases/<uuid:case_id>/plan/comments/", views.plan_comment, name="plan_comment"),
    path("cases/<uuid:case_id>/plan/<slug:section>/", views.plan_section, name="plan_section"),
    path("plan-proposals/<uuid:proposal_id>/", views.proposal_decide, name="proposal_decide"),
    path("cases/<uuid:case_id>/capacity-note/", views.capacity_note, name="capacity_note"),
    path(
        "cases/<uuid:case_id>/capacity-note.pdf",
        views.capacity_note_pdf,
        name="capacity_note_pdf",
    ),
    path("cases/<uuid:case_id>/employer-plan/", views.employer_plan, name="employer_plan"),
    path(
        "cases/<uuid:case_id>/employer-plan.pdf",
        views.employer_plan_pdf,
        name="employer_plan_pdf",
    ),
]

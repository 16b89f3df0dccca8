from django.urls import path

from stegvis.instruments import views

urlpatterns = [
    path("questionnaires/", views.my_questionnaires, name="my_questionnaires"),
    path("questionnaires/<uuid:administration_id>/", views.answer, name="questionnaire_answer"),
    path(
        "cases/<uuid:case_id>/questionnaires/",
        views.case_questionnaires,
        name="case_questionnaires",
    ),
    path("instruments/", views.instrument_list, name="instrument_list"),
    path("instruments/<str:code>/switch/", views.instrument_switch, name="instrument_switch"),
]

from django.urls import path

from stegvis.fhir import views

urlpatterns = [
    path("fhir/metadata", views.metadata, name="fhir_metadata"),
    path("fhir/Patient", views.patient_search, name="fhir_patient_search"),
    path("fhir/Patient/<str:patient_id>", views.patient_read, name="fhir_patient"),
    path(
        "fhir/Patient/<str:patient_id>/$everything",
        views.patient_everything,
        name="fhir_everything",
    ),
    path("fhir/EpisodeOfCare", views.episode_search, name="fhir_episode_search"),
    path("fhir/EpisodeOfCare/<str:case_id>", views.episode_read, name="fhir_episode"),
    path("fhir/Condition", views.condition_search, name="fhir_condition_search"),
    path("fhir/CarePlan", views.care_plan_search, name="fhir_care_plan_search"),
    path("fhir/CarePlan/<str:plan_id>", views.care_plan_read, name="fhir_care_plan"),
    path("fhir/CareTeam", views.care_team_search, name="fhir_care_team_search"),
    path("fhir/Consent", views.consent_search, name="fhir_consent_search"),
    path("fhir/Appointment", views.appointment_search, name="fhir_appointment_search"),
]

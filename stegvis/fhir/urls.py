from django.urls import path

from stegvis.fhir import bulk, http, transactions, views
from stegvis.fhir.kinds import SEARCHABLE

# The names the route table and the links use, for the types the earlier API named.
NAMES = {
    "EpisodeOfCare": "episode",
    "CarePlan": "care_plan",
    "Condition": "condition",
    "QuestionnaireResponse": "questionnaire_response",
    "DocumentReference": "document",
    "AuditEvent": "audit_event",
    "CareTeam": "care_team",
}


def _name(resource: str) -> str:
    return NAMES.get(resource, resource.lower())


urlpatterns = [
    path("fhir/", transactions.transaction, name="fhir_transaction"),
    path("fhir/metadata", views.metadata, name="fhir_metadata"),
    # Before Patient/<id>: "$export" is no patient's id.
    path("fhir/$export", bulk.export_system, name="fhir_export"),
    path("fhir/Patient/$export", bulk.export_patients, name="fhir_patient_export"),
    path("fhir/Group/<int:group_id>/$export", bulk.export_group, name="fhir_group_export"),
    path("fhir/$export-status/<uuid:job_id>", bulk.export_status, name="fhir_export_status"),
    path(
        "fhir/$export-file/<uuid:job_id>/<str:resource_type>.ndjson",
        bulk.export_file,
        name="fhir_export_file",
    ),
    path("fhir/Patient", views.patient_search, name="fhir_patient_search"),
    # Before Patient/<id>: a search by form, so a national identity number stays out of
    # the address (FHIR's POST [type]/_search).
    path("fhir/Patient/_search", views.patient_search_form, name="fhir_patient_search_form"),
    path("fhir/Patient/<str:patient_id>", views.patient_read, name="fhir_patient"),
    path(
        "fhir/Patient/<str:patient_id>/$everything",
        views.patient_everything,
        name="fhir_everything",
    ),
    path("fhir/Questionnaire", views.questionnaire_search, name="fhir_questionnaire_search"),
    path(
        "fhir/Questionnaire/<str:questionnaire_id>",
        views.questionnaire_read,
        name="fhir_questionnaire",
    ),
]
for resource in SEARCHABLE:
    urlpatterns.append(
        path(
            f"fhir/{resource}",
            views.search,
            {"resource": resource},
            name=f"fhir_{_name(resource)}_search",
        )
    )
    urlpatterns.append(
        path(
            f"fhir/{resource}/<str:resource_id>",
            views.read,
            {"resource": resource},
            name=f"fhir_{_name(resource)}",
        )
    )
# Last: whatever else is asked under /fhir/ is answered as FHIR (an OperationOutcome).
urlpatterns.append(path("fhir/<path:path>", http.unknown, name="fhir_unknown"))

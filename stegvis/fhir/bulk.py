"""Bulk Data Access ($export): asynchronous, as the FHIR async pattern has it. The kick-off
answers 202 with a status address in Content-Location; the worker writes NDJSON files; the
status answers 202 while it runs and the manifest when done; the files are served to the
reader who asked, and only until they expire. What an export holds is what the policy lets
that reader see, each patient's data recorded on their log as exported. An app (a region's
system, most often) exports what its scopes read, and it alone fetches the files."""

import json

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from stegvis.access.categories import Action, Category
from stegvis.access.credentials import app_of
from stegvis.access.helpers import record_aggregate, refuse
from stegvis.accounts.models import Organisation
from stegvis.fhir import resources
from stegvis.fhir.export import EXPORTABLE, delete_files
from stegvis.fhir.http import EXPORT, BadParameter, answer, fhir_view, instant, problem, site_url
from stegvis.fhir.models import ExportJob, ExportLevel, ExportStatus
from stegvis.fhir.tasks import run_export

NDJSON = "application/fhir+ndjson"
MANIFEST = "application/json"
OUTPUT_FORMATS = {NDJSON, "application/ndjson", "ndjson"}


def _types(request) -> list[str]:
    types = [t.strip() for t in request.GET.get("_type", "").split(",") if t.strip()]
    unknown = sorted(set(types) - set(EXPORTABLE))
    if unknown:
        raise BadParameter("_type", f"Not exported: {', '.join(unknown)}. "
                           f"Exported: {', '.join(EXPORTABLE)}.")  # fmt: skip
    return types


def _kick_off(request: HttpRequest, level: str, group=None) -> HttpResponse:
    types, app = _types(request), app_of(request)
    if app is not None:
        # Named every time: an empty list would mean every type to the worker.
        types = app.exportable(types or EXPORTABLE)
        if not types:
            refused = problem(403, "forbidden", "The app's scopes read none of what it asked "
                              "to export (a user/ or system/ scope is needed).")  # fmt: skip
            refused["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
            return refused
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise BadParameter("Prefer", "An export runs in the background: send "
                           "'Prefer: respond-async'.")  # fmt: skip
    if request.GET.get("_outputFormat", NDJSON) not in OUTPUT_FORMATS:
        raise BadParameter("_outputFormat", f"Exports are written as {NDJSON}.")
    job = ExportJob.objects.create(
        requested_by=request.user,
        client_id=app.client_id if app else "",
        via_app=app.app_name if app else "",
        level=level,
        group=group,
        types=types,
        since=instant(request.GET, "_since"),
        request_url=request.build_absolute_uri(),
        site=site_url(request),
    )
    run_export.enqueue(str(job.pk))
    # The body is optional in Bulk Data; an OperationOutcome says in words what 202 means.
    accepted = answer(
        resources.outcome(
            "information", "informational", "Accepted: the status is at Content-Location."
        ),
        202,
    )
    accepted["Content-Location"] = request.build_absolute_uri(
        reverse("fhir_export_status", args=[job.pk])
    )
    return accepted


@fhir_view(app_scope=EXPORT)
def export_system(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, ExportLevel.SYSTEM)


@fhir_view(app_scope=EXPORT)
def export_patients(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, ExportLevel.PATIENT)


@fhir_view(app_scope=EXPORT)
def export_group(request: HttpRequest, group_id: int) -> HttpResponse:
    """A group is a care unit: the patients with a case there (as far as the reader may
    see them)."""
    unit = get_object_or_404(Organisation, pk=group_id)
    return _kick_off(request, ExportLevel.GROUP, unit)


def _own_job(request, job_id, object_type: str) -> ExportJob:
    """An export is its reader's alone, and the app's that asked for it (or the reader's
    own, when none did): anyone else is told it does not exist (and the asking is
    recorded, as any refusal)."""
    app = app_of(request)
    job = ExportJob.objects.filter(
        pk=job_id, requested_by=request.user, client_id=app.client_id if app else ""
    ).first()
    if job is None or job.status == ExportStatus.CANCELLED or timezone.now() > job.expires_at:
        refuse(request.user, category=Category.IDENTITY, object_type=object_type,
               object_id=job_id)  # fmt: skip
    return job


@fhir_view(methods=("GET", "DELETE"), produces=("application/json", "application/fhir+json"),
           app_scope=EXPORT)  # fmt: skip
def export_status(request: HttpRequest, job_id) -> HttpResponse:
    job = _own_job(request, job_id, "fhir_export_status")
    if request.method == "DELETE":
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.CANCELLED)
        delete_files(job)
        return answer(resources.outcome("information", "informational", "Cancelled."), 202)
    if job.status in (ExportStatus.ACCEPTED, ExportStatus.RUNNING):
        progress = job.progress or job.status
        said = f"running ({job.progress})" if job.progress else job.status
        waiting = answer(resources.outcome("information", "informational",
                                           f"The export is {said}."), 202)  # fmt: skip
        waiting["X-Progress"] = progress
        waiting["Retry-After"] = "5"
        return waiting
    if job.status != ExportStatus.DONE:
        return problem(500, "exception", job.error or f"The export was {job.status}.")
    files = job.files.order_by("resource_type")
    # The manifest is plain JSON, not a FHIR resource (Bulk Data Access, "Response - Complete
    # Status").
    return manifest(
        {
            "transactionTime": resources.instant(job.started_at),
            "request": job.request_url,
            "requiresAccessToken": True,
            "output": [
                {
                    "type": found.resource_type,
                    "url": request.build_absolute_uri(
                        reverse("fhir_export_file", args=[job.pk, found.resource_type])
                    ),
                    "count": found.count,
                }
                for found in files
            ],
            "error": [],
        }
    )


def manifest(body: dict) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type=MANIFEST)


@fhir_view(produces=(NDJSON, "application/ndjson", "application/fhir+json", "application/json"),
           app_scope=EXPORT)  # fmt: skip
def export_file(request: HttpRequest, job_id, resource_type: str) -> FileResponse:
    job = _own_job(request, job_id, "fhir_export_file")
    found = job.files.filter(resource_type=resource_type).first()
    if job.status != ExportStatus.DONE or found is None:
        refuse(request.user, category=Category.IDENTITY, object_type="fhir_export_file",
               object_id=job_id)  # fmt: skip
    # Each patient in the file was recorded as exported to this reader when it was
    # written; the download is recorded too, on no patient's log.
    record_aggregate(request.user, object_type="fhir_export_file", action=Action.EXPORT,
                     object_id=f"{job.pk}/{resource_type}", basis="own_export")  # fmt: skip
    return FileResponse(found.file.open("rb"), content_type=NDJSON)

"""Writing a bulk export: every resource the reader may see, as NDJSON per resource type,
each chunk recorded on the patients' logs as exported before it is written."""

import json
import logging
from dataclasses import replace
from pathlib import Path

from django.db.models import Q
from django.utils import timezone, translation

from stegvis.access.categories import Action, Category, national_id_shown
from stegvis.access.helpers import record_patients_listed
from stegvis.access.policy import cases_visible_to, patients_visible_to
from stegvis.audit import audit
from stegvis.core import request_context
from stegvis.core.replica import replica_reads
from stegvis.fhir import records, resources
from stegvis.fhir.kinds import KINDS, record_read, rows_for, with_countries
from stegvis.fhir.models import (
    KEPT_FOR,
    ExportFile,
    ExportJob,
    ExportLevel,
    ExportStatus,
    storage,
)
from stegvis.instruments.definitions import instruments
from stegvis.smart.models import AppKind, AppRegistration

logger = logging.getLogger(__name__)
CHUNK = 500
OBJECT_TYPE = "fhir_export"
# What an export may ask for by _type.
EXPORTABLE = sorted({"Patient", "Questionnaire", *(kind.resource for kind in KINDS)})


class Cancelled(Exception):
    pass


class _Files:
    """One NDJSON file per resource type, opened as the first resource of it comes."""

    def __init__(self, job: ExportJob):
        self.job = job
        self.open: dict[str, tuple] = {}

    def write(self, found: list[dict]) -> None:
        for resource in found:
            kind = resource["resourceType"]
            if kind not in self.open:
                name = f"{self.job.pk}/{kind}.ndjson"
                path = Path(storage().path(name))
                path.parent.mkdir(parents=True, exist_ok=True)
                self.open[kind] = (name, path.open("w", encoding="utf-8"), [0])
            _name, handle, count = self.open[kind]
            handle.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
            count[0] += 1

    def close(self) -> None:
        for kind, (name, handle, count) in self.open.items():
            handle.close()
            ExportFile.objects.create(job=self.job, resource_type=kind, file=name, count=count[0])


def _check_still_wanted(job: ExportJob) -> None:
    if ExportJob.objects.filter(pk=job.pk, status=ExportStatus.CANCELLED).exists():
        raise Cancelled


def _patients(job: ExportJob, files: _Files) -> None:
    user = job.requested_by
    patients = patients_visible_to(user, Category.IDENTITY)
    if job.group_id:  # through a case at the unit the reader may see (as kinds.rows_for)
        at_unit = cases_visible_to(user, Category.IDENTITY).filter(organisation=job.group_id)
        patients = patients.filter(pk__in=at_unit.values("patient"))
    # A patient's record keeps no time of change, so _since leaves every patient in.
    patients = with_countries(patients).order_by("pk")
    chunk: list = []
    for patient in patients.iterator(chunk_size=CHUNK):
        chunk.append(patient)
        if len(chunk) == CHUNK:
            _write_patients(user, chunk, files)
            chunk = []
    _write_patients(user, chunk, files)


def _write_patients(user, chunk: list, files: _Files) -> None:
    if chunk:
        with audit.atomic():
            record_patients_listed(user, chunk, object_type=OBJECT_TYPE, action=Action.EXPORT)
        shown = national_id_shown(user, None)
        files.write(
            [
                resources.patient(patient, with_number=shown or patient.pk == user.pk)
                for patient in chunk
            ]
        )


def _kind(job: ExportJob, kind, files: _Files) -> int:
    user = job.requested_by
    since = Q(**{f"{kind.updated}__gt": job.since}) if job.since and kind.updated else Q()
    rows = rows_for(user, kind, condition=since, unit=job.group_id).order_by(*kind.order)
    written = 0
    batch: list = []
    for row in rows.iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) == CHUNK:
            written += _write_rows(job, kind, batch, files)
            batch = []
    return written + _write_rows(job, kind, batch, files)


def _write_rows(job: ExportJob, kind, batch: list, files: _Files) -> int:
    if not batch:
        return 0
    _check_still_wanted(job)
    with audit.atomic():
        record_read(job.requested_by, kind, batch, OBJECT_TYPE, action=Action.EXPORT)
    found = kind.render(batch, job.site)
    files.write(found)
    return len(found)


def run(job: ExportJob) -> None:
    """Write the job's files (the caller has claimed it)."""
    wanted = set(job.types) or set(EXPORTABLE)
    files = _Files(job)
    try:
        if "Patient" in wanted:
            _patients(job, files)
        for kind in KINDS:
            if kind.resource in wanted:
                _kind(job, kind, files)
                ExportJob.objects.filter(pk=job.pk).update(progress=f"{kind.resource} written")
        if job.level == ExportLevel.SYSTEM and "Questionnaire" in wanted:
            files.write(
                [records.questionnaire(definition) for definition in instruments().values()]
            )
    finally:
        files.close()


def delete_files(job: ExportJob) -> None:
    for found in job.files.all():
        found.file.delete(save=False)
    job.files.all().delete()


def _system(job: ExportJob) -> str:
    """The requester's id when a region's registered system asked, by its own app."""
    asked_by_system = (
        job.client_id
        and AppRegistration.objects.filter(
            kind=AppKind.SYSTEM, application__client_id=job.client_id, account=job.requested_by_id
        ).exists()
    )
    return str(job.requested_by_id) if asked_by_system else ""


def run_claimed(job_id) -> str:
    """Claim an accepted job (once, whichever worker comes first) and write it."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.ACCEPTED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "not claimed"
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    # Each patient's log names the app that asked, as for its reads in a request; a region's
    # system reads as itself, as it did when it asked.
    acting = request_context.current.set(
        replace(request_context.current.get(), app=job.via_app, system_account=_system(job))
    )
    try:
        # Texts (a Questionnaire's items, a plan's title) in the requester's language.
        # A bulk read: on the replica when there is one, caught up to this moment.
        with translation.override(job.requested_by.preferred_language), replica_reads():
            run(job)
    except Cancelled:
        delete_files(job)
        return "cancelled"
    except Exception:
        logger.exception("FHIR export %s failed", job_id)
        delete_files(job)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error="The export failed.", finished_at=timezone.now()
        )
        return "failed"
    finally:
        request_context.current.reset(acting)
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE, finished_at=timezone.now(), progress=""
    )
    return "done"


def purge_expired(now=None) -> int:
    """Delete finished exports whose files have been kept long enough."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(finished_at__lt=now - KEPT_FOR)
    count = 0
    for job in expired:
        delete_files(job)
        job.delete()
        count += 1
    return count

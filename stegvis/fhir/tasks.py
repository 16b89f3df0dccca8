from django.tasks import task

from stegvis.fhir import export


@task
def run_export(job_id: str) -> str:
    """Write a bulk export's NDJSON files (enqueued by the kick-off request)."""
    return export.run_claimed(job_id)


@task
def purge_exports_task() -> dict:
    """Delete bulk exports kept past their time (the worker runs it hourly)."""
    return {"purged": export.purge_expired()}

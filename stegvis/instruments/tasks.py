from django.tasks import task

from stegvis.instruments.services import administrations_expire, administrations_plan


@task
def plan_questionnaires_task() -> dict:
    """Give the questionnaires that are due today and close those whose time has passed."""
    return {**administrations_plan(), "expired": administrations_expire()}

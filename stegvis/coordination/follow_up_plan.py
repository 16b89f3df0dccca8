"""The employer's completed follow-up plan, sent where its country's rules send it: in Norway
to the sykmelder, and to Nav (arbeidsmiljøloven § 4-6 (3)); in Sweden nowhere by itself."""

from django.urls import reverse

from stegvis.access.categories import Category
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case
from stegvis.coordination.participants import admitted, candidates
from stegvis.notifications.models import Notification, NotificationKind
from stegvis.notifications.outbox import Notice, notify
from stegvis.plans.employer_points import employer_plan_rules
from stegvis.plans.selectors import employer_plan_of


def plan_sent(*, actor: User, case: Case, code: str) -> list[User]:
    """The employer's completed plan, told to the roles the country's rules send it to
    (recorded as shared with each); returns who was told."""
    rules = employer_plan_rules(case.jurisdiction)
    if code != rules.milestone or not rules.sent_to:
        return []
    plan = employer_plan_of(case)
    key = f"plan_sent:{plan.pk}:{plan.revision}"
    # Only a plan the employer completed is sent, and each version of it once.
    if (
        plan.completed_at is None
        or Notification.objects.filter(dedupe_key__startswith=f"{key}:").exists()
    ):
        return []
    people = [
        user
        for user, decision in candidates(case.patient, Category.CAPACITY)
        if _sent_to(decision, user, case, rules.sent_to) and user.pk != actor.pk
    ]
    admitted(case.patient, people, Category.CAPACITY, obj=plan)
    notify(
        Notice(
            kind=NotificationKind.PLAN_SENT,
            key=key,
            link=reverse("employer_plan", args=[case.pk]),
            patient_id=case.patient_id,
            object_type="employerplan",
            object_id=str(plan.pk),
        ),
        [(user, case) for user in people],
    )
    return people


def _sent_to(decision, user, case, roles) -> bool:
    """The case's own sykmelder, and the caseworkers of the case's country, in `roles`."""
    if decision.role not in roles:
        return False
    if decision.role == Role.PHYSICIAN:
        return user.pk == case.responsible_physician_id
    return decision.organisation is not None and (
        decision.organisation.jurisdiction == case.jurisdiction
    )

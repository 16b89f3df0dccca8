from django.apps import AppConfig


def program_goals_section(case) -> dict | None:
    """The RTW plan's section of MMR goals, for the patient and their care team only: that
    someone takes part in pain rehabilitation is health information an employer never sees."""
    from stegvis.access.categories import CARE_ROLES
    from stegvis.accounts.roles import Role
    from stegvis.programs.models import Referral, ReferralStatus

    if case.access_decision.role not in CARE_ROLES | {Role.PATIENT}:
        return None
    referrals = list(
        Referral.objects.filter(case=case, status=ReferralStatus.INCLUDED)
        .select_related("team")
        .prefetch_related("goals")
    )
    if not referrals:
        return None
    return {"template": "programs/_plan_goals.html", "referrals": referrals}


class ProgramsConfig(AppConfig):
    name = "stegvis.programs"

    def ready(self):
        from stegvis.access.categories import Category
        from stegvis.coaching.flags.urgent import TRIGGERS, Trigger
        from stegvis.plans.extensions import PLAN_SECTIONS
        from stegvis.programs.models import Attendance, Goal

        PLAN_SECTIONS.append(program_goals_section)
        # Words of crisis in "I cannot come" raise an urgent flag that shows them.
        TRIGGERS["attendance"] = Trigger(
            Attendance, lambda attendance: attendance.message, Category.MEETINGS
        )
        # And in a goal the team writes down in the patient's own words.
        TRIGGERS["goal"] = Trigger(Goal, lambda goal: goal.text, Category.CLINICAL_NOTES)

from django.apps import AppConfig


def close_tasks_of_duty(sender, *, actor, case, code, **kwargs) -> None:
    """A duty marked done closes its tasks in everyone's inbox."""
    from stegvis.coordination.tasks.services import tasks_close_for_milestone

    tasks_close_for_milestone(actor=actor, case=case, code=code)


def send_completed_plan(sender, *, actor, case, code, **kwargs) -> None:
    """A completed follow-up plan goes to the roles its country's rules name (Norway: the
    sykmelder and Nav), of those the patient lets see it."""
    from stegvis.coordination.follow_up_plan import plan_sent

    plan_sent(actor=actor, case=case, code=code)


class CoordinationConfig(AppConfig):
    name = "stegvis.coordination"

    def ready(self):
        from stegvis.access.categories import Category
        from stegvis.cases.signals import milestone_completed
        from stegvis.coaching.flags.urgent import TRIGGERS, Trigger
        from stegvis.coordination.ics import invitation_attachment
        from stegvis.coordination.models import AgendaItem, Message, Thread
        from stegvis.notifications.channels import ATTACHMENTS
        from stegvis.notifications.models import NotificationKind

        milestone_completed.connect(close_tasks_of_duty, dispatch_uid="close_tasks_of_duty")
        milestone_completed.connect(send_completed_plan, dispatch_uid="send_completed_plan")
        # A patient's words of crisis in a message raise an urgent flag that shows them.
        TRIGGERS["message"] = Trigger(Message, lambda message: message.body, Category.MESSAGES)
        # A thread begun with them waits with its subject, shown with them (core.crisis.hold_with).
        TRIGGERS["thread"] = Trigger(Thread, lambda thread: thread.subject, Category.MESSAGES)
        TRIGGERS["agendaitem"] = Trigger(AgendaItem, lambda item: item.text, Category.MEETINGS)
        # A meeting's e-mails carry its calendar file (time and place, no health data).
        for kind in (
            NotificationKind.MEETING_INVITATION,
            NotificationKind.MEETING_CHANGED,
            NotificationKind.MEETING_CANCELLED,
        ):
            ATTACHMENTS[kind] = invitation_attachment

from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "stegvis.participation"

    def ready(self):
        from stegvis.access.categories import Category
        from stegvis.coaching.flags.urgent import TRIGGERS, Trigger
        from stegvis.notifications import emails
        from stegvis.notifications.models import OutboxKind
        from stegvis.participation.models import Proposal, ProposalComment
        from stegvis.participation.services import (
            invitation_email,
            preparation_email,
            preparation_sent,
        )

        # A patient's words of crisis in a proposal or comment raise an urgent flag; the
        # flag shows them to those who may read the patient's messages.
        TRIGGERS["proposal"] = Trigger(
            Proposal, lambda proposal: f"{proposal.title}: {proposal.body}", Category.MESSAGES
        )
        TRIGGERS["proposalcomment"] = Trigger(
            ProposalComment, lambda comment: comment.body, Category.MESSAGES
        )
        # Its invitations and preparations leave through the outbox after the commit.
        emails.register(OutboxKind.REPRESENTATIVE_INVITATION, invitation_email)
        emails.register(OutboxKind.ACTIVITY_PREPARATION, preparation_email, preparation_sent)

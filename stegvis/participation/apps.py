from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "stegvis.participation"

    def ready(self):
        from stegvis.access.categories import Category
        from stegvis.coaching.flags.urgent import TRIGGERS, Trigger
        from stegvis.participation.models import Proposal, ProposalComment

        # A patient's words of crisis in a proposal or comment raise an urgent flag; the
        # flag shows them to those who may read the patient's messages.
        TRIGGERS["proposal"] = Trigger(
            Proposal, lambda proposal: f"{proposal.title}: {proposal.body}", Category.MESSAGES
        )
        TRIGGERS["proposalcomment"] = Trigger(
            ProposalComment, lambda comment: comment.body, Category.MESSAGES
        )

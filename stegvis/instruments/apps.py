from django.apps import AppConfig
from django.utils.translation import gettext as _


def item_9_answer(administration) -> str:
    """What an urgent flag from a questionnaire shows: the answer to PHQ-9 item 9."""
    return _("Answered %(answer)s (of 3) to item 9 of %(instrument)s.") % {
        "answer": administration.answers.get("9", "?"),
        "instrument": administration.definition.name,
    }


class InstrumentsConfig(AppConfig):
    name = "stegvis.instruments"

    def ready(self):
        from stegvis.access.categories import Category
        from stegvis.coaching.flags.urgent import TRIGGERS, Trigger
        from stegvis.instruments.models import Administration

        # PHQ-9 item 9 raises an urgent flag (coaching's); the flag shows what was answered,
        # to those who may see the patient's questionnaires (never a coach: their ceiling).
        TRIGGERS["administration"] = Trigger(Administration, item_9_answer, Category.QUESTIONNAIRES)
        # Words of crisis in the activities a patient named raise one too.
        TRIGGERS["administration_words"] = Trigger(
            Administration,
            lambda administration: "; ".join(administration.activity_names.values()),
            Category.QUESTIONNAIRES,
        )

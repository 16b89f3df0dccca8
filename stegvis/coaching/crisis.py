"""The coach's answer to words of crisis wherever a patient writes (stegvis/core/crisis.py):
the urgent flag to the care team, the text held back when it was meant for others, and the
crisis screen for the patient."""

from django.dispatch import receiver

from stegvis.access.categories import Category
from stegvis.coaching.flags.services import safety_raise
from stegvis.coaching.flags.urgent import TRIGGERS, Trigger
from stegvis.coaching.guidance import mentions_crisis
from stegvis.coaching.selectors import crisis_screen
from stegvis.core.crisis import text_written
from stegvis.core.models import HeldText
from stegvis.plans.content import texts_in
from stegvis.plans.models import CapacityNote, PlanComment, PlanVersion


def _words_in_plan(version: PlanVersion) -> str:
    return " … ".join(sorted(t for t in texts_in(version.content) if mentions_crisis(t)))


# The plan is below the coach: what its words of crisis raise is named here.
TRIGGERS["planversion"] = Trigger(PlanVersion, _words_in_plan, Category.PLAN)
TRIGGERS["plancomment"] = Trigger(PlanComment, lambda comment: comment.text, Category.PLAN)
TRIGGERS["capacitynote"] = Trigger(
    CapacityNote,
    lambda note: " … ".join(
        getattr(note, name) for name in note.TEXT_FIELDS if getattr(note, name)
    ),
    Category.CAPACITY,
)


@receiver(text_written)
def answer_words_of_crisis(
    sender, *, author, patient_id, text, source_type, source_id, meant_for_others, **kwargs
):
    if not mentions_crisis(text):
        return None
    answered, first = HeldText.objects.get_or_create(
        source_type=source_type, source_id=source_id, defaults={"held": meant_for_others}
    )
    if first:  # a text sent again is not a new signal
        flag = safety_raise(
            patient_id=patient_id,
            source_type=source_type,
            source_id=source_id,
            reason=f"crisis words: {source_type}",
        )
        HeldText.objects.filter(pk=answered.pk).update(flag_id=str(flag.pk))
    return crisis_screen(author)

"""Words of crisis wherever a patient writes, under one set of rules.

A check-in, a message, a proposal, a comment, a plan section, "I cannot come", a
questionnaire's comment, an imported text: each app reports what the patient wrote with
`patient_wrote`. The coach (stegvis.coaching.crisis, above this layer) answers: if the words
suggest a risk of self-harm, the urgent flag goes to the patient's care team, and the app
shows the crisis lines at once and alone (`crisis_page`). Text meant for others is held back
(`held_ids`) until a person responsible has handled the flag.
"""

from django.db.models import Q
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stegvis.core.models import HeldText

# Sent with author, patient_id, text, source_type, source_id, meant_for_others; a receiver
# answers with what the patient should see at once (the crisis screen), or None.
text_written = Signal()


def patient_wrote(
    *, author, patient_id, text: str, source_type: str, source_id, meant_for_others=False
):
    """The crisis screen to show the patient now, or None when their words hold no crisis
    (or the writer is not the patient: a professional's words about them raise nothing)."""
    if author is None or author.pk != patient_id or not text:
        return None
    for _receiver, screen in text_written.send(
        sender=source_type,
        author=author,
        patient_id=patient_id,
        text=text,
        source_type=source_type,
        source_id=str(source_id),
        meant_for_others=meant_for_others,
    ):
        if screen is not None:
            return screen
    return None


def held_ids(source_type: str) -> list[str]:
    """The ids of `source_type` held back now: shown to their author and no one else."""
    return list(
        HeldText.objects.filter(source_type=source_type, released_at__isnull=True).values_list(
            "source_id", flat=True
        )
    )


def not_held_from(queryset, reader):
    """`queryset` (of a model with an author) without what is held back from `reader`; its
    author still reads it."""
    held = held_ids(queryset.model._meta.model_name)
    if not held:
        return queryset
    return queryset.exclude(Q(pk__in=held) & ~Q(author_id=reader.pk))


def crisis_page(request: HttpRequest, screen) -> HttpResponse:
    """The crisis lines at once and alone, in place of the page that would have followed."""
    return render(request, "coaching/help.html", {"crisis": screen, "after_message": True})

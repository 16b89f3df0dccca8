"""Words of crisis wherever a patient writes, under one set of rules.

A check-in, a message, a proposal, a comment, a plan section, "I cannot come", a
questionnaire's comment, an imported text: each app reports what the patient wrote with
`patient_wrote`, and an MMR goal a professional writes in the patient's words with
`patient_said`. The coach (stegvis.coaching.crisis, above this layer) answers: if the words
suggest a risk of self-harm, the urgent flag goes to the patient's care team, and the app
shows the crisis lines at once and alone (`crisis_page`). Text meant for others is held back
(`held_ids`) until a person responsible has handled the flag.
"""

from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat, Replace
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

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
    return _written(author, text, source_type, source_id, meant_for_others)


def patient_said(*, patient, text: str, source_type: str, source_id):
    """What a professional writes down in the patient's own words (an MMR goal, set with the
    team): the patient's words under the same rules, though someone else typed them. The
    crisis screen, for the professional to give the patient now, or None. Nothing is held:
    such text is for the patient and their care team, who are the ones told."""
    if not text:
        return None
    return _written(patient, text, source_type, source_id, meant_for_others=False)


def _written(patient, text, source_type, source_id, meant_for_others):
    for _receiver, screen in text_written.send(
        sender=source_type,
        author=patient,
        patient_id=patient.pk,
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
        HeldText.objects.filter(
            source_type=source_type, held=True, released_at__isnull=True
        ).values_list("source_id", flat=True)
    )


def not_held_from(queryset, reader):
    """`queryset` (of a model with an author) without what is held back from `reader`; its
    author still reads it."""
    held = held_ids(queryset.model._meta.model_name)
    if not held:
        return queryset
    return queryset.exclude(Q(pk__in=held) & ~Q(author_id=reader.pk))


def held_subquery(source_type: str, pk: str = "pk", *, any_revision: bool = False):
    """On a query of `source_type`'s model: whether the row is held back (for counts that
    must stay one statement, such as every page's unread messages). `any_revision`: for a
    text edited in place, answered once per saved revision (`revision_id`)."""
    # Ids compared without dashes: SQLite keeps a UUID as bare hex, PostgreSQL's text has them.
    bare = Replace(Cast(OuterRef(pk), CharField()), Value("-"), Value(""))
    match = {"bare_id__startswith": Concat(bare, Value(":"))} if any_revision else {"bare_id": bare}
    return Exists(
        HeldText.objects.annotate(bare_id=Replace("source_id", Value("-"), Value(""))).filter(
            source_type=source_type, held=True, released_at__isnull=True, **match
        )
    )


def revision_id(obj) -> str:
    """The id a text edited in place (the capacity note) is answered under: each saved
    revision is a new text, and holds the whole object back while held."""
    return f"{obj.pk}:{obj.revision}"


def object_id(source_id: str) -> str:
    """The object a source id names (a revision's id names its object)."""
    return source_id.split(":", 1)[0]


def hold_with(obj, source_type: str, source_id) -> None:
    """Hold `obj` back with a text already held (a thread whose subject came with its held
    first message): released together, when the same flag is handled."""
    first = HeldText.objects.filter(source_type=source_type, source_id=str(source_id)).first()
    if first is not None and first.held:
        HeldText.objects.get_or_create(
            source_type=obj._meta.model_name,
            source_id=str(obj.pk),
            defaults={"flag_id": first.flag_id},
        )


def crisis_words_told(screen) -> str:
    """What the professional who wrote down the patient's words of crisis (`patient_said`)
    reads: who has been told, and the lines to give the patient now."""
    lines = ", ".join(f"{contact.name} {contact.number}" for contact in screen.contacts)
    return _(
        "These words suggest a risk of self-harm. The patient's physician and coordinator "
        "have been alerted and can read them. Make sure the patient knows where to turn "
        "now: %(lines)s."
    ) % {"lines": lines}


def crisis_page(request: HttpRequest) -> HttpResponse:
    """The crisis lines at once and alone, in place of the page that would have followed: a
    redirect, so that a form sent again (a reload, a double tap) shows them again."""
    return redirect(f"{reverse('crisis_help')}?after=1")

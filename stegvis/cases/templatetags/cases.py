from django import template
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from stegvis.cases import sykmelding
from stegvis.cases.deadlines import milestone_title, responsible_for, rule_set
from stegvis.cases.timelines import Responsible

register = template.Library()


@register.filter
def next_deadline_title(case) -> str:
    """The title of the case's next deadline, in the reader's language."""
    if not case.next_deadline_code:
        return ""
    return milestone_title(case.jurisdiction, case.next_deadline_code, get_language() or "sv")


@register.filter
def next_deadline_whose(case, reader=None) -> str:
    """Whose the case's next deadline is, by its party's name ("Employer"), or "You" when
    the reader is the patient and the duty is theirs."""
    rule = next(
        (r for r in rule_set(case.jurisdiction).milestones if r.code == case.next_deadline_code),
        None,
    )
    if rule is None:
        return ""
    responsible = responsible_for(rule, case.employment)
    if responsible == Responsible.PATIENT and reader is not None and reader.pk == case.patient_id:
        return str(_("You"))
    return str(Responsible(responsible).label)


@register.filter
def is_overdue(day) -> bool:
    return day is not None and day < timezone.localdate()


@register.filter
def notification_title(notification) -> str:
    return milestone_title(
        notification.case.jurisdiction, notification.milestone_code, get_language() or "sv"
    )


@register.filter
def on_behalf_label(notification) -> str:
    return Responsible(notification.on_behalf_of).label


@register.filter
def may_mark(entry, role) -> bool:
    """Whether someone in `role` may mark this timeline entry done (or undo it)."""
    return entry.may_be_marked_by(role)


@register.filter
def code_title(code, language) -> str:
    """A diagnosis code's title in the reader's language, or its English one."""
    return code.title(language)


@register.filter
def english_title(code, language) -> bool:
    """Whether a diagnosis code's title shows in English because none in the reader's
    language is kept."""
    return code.title_is_english(language)


@register.filter
def coded(codes, code_list: str) -> str:
    """Codes of a sykmelding code list ("medical_reason", …) as their texts."""
    texts = dict(sykmelding.choices(code_list))
    if isinstance(codes, str):
        codes = [codes]
    return ", ".join(texts.get(code, code) for code in codes)


@register.filter
def question_text(question_id: str) -> str:
    """One of Nav's further-information questions by its id ("6.3.1")."""
    return sykmelding.question_text(question_id)

"""The plan, capacity note and employer's plan pages (and their PDFs). Each view resolves
the case through the access helpers, which decide and audit, then calls one service."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from pydantic import ValidationError as SchemaError

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_record_for, get_self_for, refuse
from stegvis.access.policy import own_cases
from stegvis.access.rules import PATIENT_ONLY
from stegvis.accounts.roles import Role
from stegvis.cases.rules import NOTE_SHARED_WITH_READER
from stegvis.core.crisis import crisis_page
from stegvis.core.errors import NotAllowed, StaleEdit
from stegvis.core.idempotency import once_per_submission
from stegvis.core.pdf import pdf_response
from stegvis.plans import content, selectors, services
from stegvis.plans.employer_points import employer_plan_rules
from stegvis.plans.forms import (
    CapacityNoteForm,
    CommentForm,
    EmployerPlanForm,
    ProposalCommentForm,
    SectionEditor,
)
from stegvis.plans.rules import CAPACITY_NOTE, EMPLOYER_ONLY, NOTE_EDITORS, PROPOSAL_TO_ANSWER


def _plan_case(request, case_id, action=Action.VIEW):
    return get_case_for(request.user, case_id, category=Category.PLAN, action=action)


def _posted_base(request, name: str) -> int:
    """The version a form was read at; a missing or garbled one counts as stale."""
    try:
        return int(request.POST.get(name, -1))
    except ValueError:
        return -1


def _form_base(request, name: str, current: int, conflict: bool):
    """The version the re-shown form carries: after a conflict the newest, so the merged
    text can be saved; otherwise the one it was read at."""
    return current if conflict else request.POST.get(name, current)


def _is_owner(case) -> bool:
    return case.access_decision.role == Role.PATIENT


@login_required
@require_safe
def my_plan(request: HttpRequest) -> HttpResponse:
    """The patient's own plan, from the app's navigation: that of their newest case."""
    patient = get_self_for(request.user, category=Category.PLAN, object_type="my_plan")
    cases = own_cases(patient)
    if not cases:
        messages.info(request, _("You have no plan yet: it comes with your case."))
        return redirect("home")
    return redirect("plan_detail", cases[-1].pk)


@login_required
@require_safe
def plan_detail(request: HttpRequest, case_id) -> HttpResponse:
    case = _plan_case(request, case_id)
    plan = selectors.plan_of(case)
    context = selectors.plan_context(case, plan, _is_owner(case))
    # The note's link only where it leads: an employer reads it once the patient shares it.
    may_see_note = NOTE_SHARED_WITH_READER.passes(request.user, case.access_decision, case)
    context.update(comment_form=CommentForm(), may_see_note=may_see_note)
    return render(request, "plans/plan.html", context)


@login_required
@require_safe
def plan_pdf(request: HttpRequest, case_id) -> HttpResponse:
    case = _plan_case(request, case_id, Action.EXPORT)
    plan = selectors.plan_of(case)
    context = selectors.plan_context(case, plan, _is_owner(case))
    return pdf_response(request, "plans/pdf/plan.html", context, "return-to-work-plan.pdf")


def _save_own_section(request, case, plan, section: str, value, _comment) -> HttpResponse:
    """The patient writes their own plan: a new version, if theirs is still the newest."""
    saved = services.plan_save_section(
        actor=request.user,
        plan=plan,
        section=section,
        value=value,
        base_version=_posted_base(request, "base_version"),
    )
    if getattr(saved, "crisis", None):
        return crisis_page(request)
    messages.success(request, _("Saved. Your earlier version is kept."))
    return redirect("plan_detail", case.pk)


def _propose_section(request, case, plan, section: str, value, comment: dict) -> HttpResponse:
    """Anyone else with the plan proposes a change to a section; the patient decides."""
    services.proposal_create(
        actor=request.user,
        role=case.access_decision.role,
        plan=plan,
        section=section,
        value=value,
        comment=comment["comment"],
    )
    messages.success(request, _("Your suggestion was sent. The patient decides."))
    return redirect("plan_detail", case.pk)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def plan_section(request: HttpRequest, case_id, section: str) -> HttpResponse:
    """The patient edits a section; anyone else with the plan proposes a change to it."""
    is_write = request.method == "POST"
    if section not in content.SECTIONS:
        refuse(
            request.user,
            category=Category.PLAN,
            action=Action.UPDATE if is_write else Action.VIEW,
            object_type="plan_section",
            object_id=f"{case_id}/{section}",
        )
    case = _plan_case(request, case_id, Action.UPDATE if is_write else Action.VIEW)
    owner = _is_owner(case)
    plan = selectors.plan_of(case)
    owners = selectors.action_owner_choices(case.patient)
    shown = selectors.content_shown(plan, patient_reads=owner)
    editor = SectionEditor(section, shown[section], request.POST or None, owners)
    comment = ProposalCommentForm(request.POST or None)
    conflict = None
    status = 200
    if is_write and editor.is_valid() and comment.is_valid():
        write = _save_own_section if owner else _propose_section
        try:
            return write(request, case, plan, section, editor.value(), comment.cleaned_data)
        except StaleEdit:
            conflict = shown[section]
            status = 409
        except SchemaError as error:
            messages.error(
                request,
                _("Some rows are not valid: {details}").format(
                    details="; ".join(e["msg"] for e in error.errors())
                ),
            )
            status = 400
    elif is_write:
        status = 400
    answer = render(
        request,
        "plans/section_edit.html",
        {
            "case": case,
            "plan": plan,
            "section": section,
            "section_label": content.SECTIONS[section],
            "editor": editor,
            "comment_form": comment,
            "is_owner": owner,
            "conflict": conflict,
            "base_version": _form_base(request, "base_version", plan.version, conflict is not None),
            "owner_names": dict(owners),
            # A form sent twice (kept on a phone offline, a double click) is saved once.
            "submission_id": uuid.uuid4(),
        },
        status=status,
    )
    if conflict is not None:
        # Tells a phone sending what it kept offline that this is a conflict to show, not
        # a refusal to drop nor a send still in progress (core/js/app.js).
        answer["Stegvis-Conflict"] = "newer-version"
    return answer


@login_required
@require_POST
def proposal_decide(request: HttpRequest, proposal_id) -> HttpResponse:
    proposal = get_record_for(request.user, PROPOSAL_TO_ANSWER, proposal_id, action=Action.UPDATE)
    accept = request.POST.get("answer") == "accept"
    services.proposal_decide(actor=request.user, proposal=proposal, accept=accept)
    messages.success(request, _("Added to your plan.") if accept else _("Declined."))
    return redirect("plan_detail", proposal.plan.case_id)


@login_required
@require_POST
def plan_comment(request: HttpRequest, case_id) -> HttpResponse:
    case = _plan_case(request, case_id, Action.CREATE)
    form = CommentForm(request.POST)
    plan = selectors.plan_of(case)
    if not form.is_valid():
        context = selectors.plan_context(case, plan, _is_owner(case))
        return render(request, "plans/plan.html", {**context, "comment_form": form}, status=400)
    comment = services.comment_add(
        actor=request.user,
        role=case.access_decision.role,
        plan=plan,
        text=form.cleaned_data["text"],
    )
    if getattr(comment, "crisis", None):
        return crisis_page(request)
    return redirect("plan_detail", case.pk)


@login_required
@require_safe
def plan_versions(request: HttpRequest, case_id) -> HttpResponse:
    case = _plan_case(request, case_id)
    plan = selectors.plan_of(case)
    shown = selectors.versions_shown(plan, patient_reads=_is_owner(case))
    versions = list(shown.select_related("author"))
    comparison = selectors.compare(shown, request.GET.get("a"), request.GET.get("b"))
    return render(
        request,
        "plans/versions.html",
        {"case": case, "plan": plan, "versions": versions, "comparison": comparison},
    )


@login_required
@require_http_methods(["GET", "POST"])
def capacity_note(request: HttpRequest, case_id) -> HttpResponse:
    is_write = request.method == "POST"
    sharing = is_write and ("share" in request.POST or "unshare" in request.POST)
    case = get_record_for(
        request.user,
        CAPACITY_NOTE,
        case_id,
        action=Action.UPDATE if is_write else Action.VIEW,
        # Patient and physician write the note; only the patient shares it.
        roles=(PATIENT_ONLY if sharing else NOTE_EDITORS) if is_write else None,
    )
    note = selectors.capacity_note_of(case)
    form = CapacityNoteForm(request.POST or None, instance=note)
    status = 200
    if sharing:
        return _share_note(request, case, note)
    if is_write and form.is_valid():
        try:
            saved = services.capacity_note_save(
                actor=request.user,
                note=note,
                data=form.cleaned_data,
                base_revision=_posted_base(request, "revision"),
            )
            if saved.crisis:
                return crisis_page(request)
            messages.success(request, _("Saved."))
            return redirect("capacity_note", case.pk)
        except StaleEdit:
            note.refresh_from_db()
            status = 409
    elif is_write:
        status = 400
    decision = case.access_decision
    return render(
        request,
        "plans/capacity_note.html",
        {
            "case": case,
            "note": note,
            "form": form,
            "conflict": status == 409,
            "revision": _form_base(request, "revision", note.revision, status == 409),
            "may_edit": decision.role in NOTE_EDITORS.roles,
            "is_owner": decision.role == Role.PATIENT,
            "employers": services.employer_members(case.patient),
        },
        status=status,
    )


def _share_note(request, case, note) -> HttpResponse:
    try:
        if "unshare" in request.POST:
            services.capacity_note_unshare(actor=request.user, note=note)
            messages.success(request, _("Your employer no longer sees the note."))
        else:
            member = next(
                (
                    m
                    for m in services.employer_members(case.patient)
                    if str(m.pk) == request.POST.get("member")
                ),
                None,
            )
            if member is None:
                raise NotAllowed(_("Choose your manager from your network."))
            services.capacity_note_share(actor=request.user, note=note, member=member)
            messages.success(
                request, _("{name} can now read the note.").format(name=member.display_name)
            )
    except NotAllowed as refusal:
        messages.error(request, str(refusal))
    return redirect("capacity_note", case.pk)


@login_required
@require_safe
def capacity_note_pdf(request: HttpRequest, case_id) -> HttpResponse:
    case = get_record_for(request.user, CAPACITY_NOTE, case_id, action=Action.EXPORT)
    note = selectors.capacity_note_of(case)
    return pdf_response(
        request, "plans/pdf/capacity_note.html", {"case": case, "note": note}, "capacity-note.pdf"
    )


def _employer_case(request, case_id, action=Action.VIEW, roles=None):
    case = get_case_for(
        request.user, case_id, category=Category.CAPACITY, action=action, roles=roles
    )
    return case, selectors.employer_plan_of(case)


@login_required
@require_http_methods(["GET", "POST"])
def employer_plan(request: HttpRequest, case_id) -> HttpResponse:
    """The employer completes the plan, seeing only the capacity note (if shared with
    them), the adjustments and the graded schedule: never a diagnosis."""
    is_write = request.method == "POST"
    case, plan = _employer_case(
        request,
        case_id,
        Action.UPDATE if is_write else Action.VIEW,
        EMPLOYER_ONLY if is_write else None,
    )
    rules = employer_plan_rules(case.jurisdiction)
    form = EmployerPlanForm(
        request.POST or None, plan=plan, rules=rules, completing="complete" in request.POST
    )
    status = 200
    if is_write and form.is_valid():
        try:
            plan = services.employer_plan_save(
                actor=request.user,
                plan=plan,
                answers=form.answers(),
                follow_up_on=form.cleaned_data["follow_up_on"],
                base_revision=_posted_base(request, "revision"),
            )
            if "complete" in request.POST:
                services.employer_plan_complete(actor=request.user, plan=plan)
                messages.success(request, _("The plan is complete. The timeline shows it done."))
            else:
                messages.success(request, _("Saved."))
            return redirect("employer_plan", case.pk)
        except StaleEdit:
            plan.refresh_from_db()
            status = 409
        except NotAllowed as refusal:
            form.add_error(None, str(refusal))
            status = 400
    elif is_write:
        status = 400
    context = selectors.employer_plan_context(request.user, case, plan)
    return render(
        request,
        "plans/employer_plan.html",
        {
            **context,
            "form": form,
            "conflict": status == 409,
            "revision": _form_base(request, "revision", plan.revision, status == 409),
            "may_edit": case.access_decision.role == Role.EMPLOYER_MANAGER,
        },
        status=status,
    )


@login_required
@require_safe
def employer_plan_pdf(request: HttpRequest, case_id) -> HttpResponse:
    case, plan = _employer_case(request, case_id, Action.EXPORT)
    context = selectors.employer_plan_context(request.user, case, plan)
    return pdf_response(request, "plans/pdf/employer_plan.html", context, "employer-plan.pdf")

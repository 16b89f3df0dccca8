"""Case, timeline and certificate pages. Each view resolves its object through the access
helpers (404 for what may not be seen, an audit event either way) and calls one service."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import categories_allowed, get_case_for, get_record_for, refuse
from stegvis.accounts.roles import Role
from stegvis.cases import codes, selectors, services
from stegvis.cases.deadlines import JURISDICTIONS, Period, rule_set
from stegvis.cases.forms import CaseForm, CertificateForms, NewCaseForm
from stegvis.cases.rules import (
    CASE_EDITORS,
    CERTIFICATE,
    CERTIFICATE_TO_CORRECT,
    CERTIFIERS,
    EMPLOYER_COPY,
    MARKS_DUTY,
    NOTE_SHARED_WITH_READER,
    medical_details_withheld,
)
from stegvis.cases.timelines import case_timeline, current_versions
from stegvis.core.errors import StaleEdit
from stegvis.core.idempotency import once_per_submission

# The pages a case page links to, by the category each needs. A patient reaches their own
# check-ins, questionnaires and messages from their home page instead.
OWN_CASE_LINKS = (Category.SICK_LEAVE, Category.PLAN, Category.MEETINGS)
CASE_LINKS = (*OWN_CASE_LINKS, Category.QUESTIONNAIRES, Category.CHECKINS, Category.MESSAGES)


@login_required
@require_safe
def case_detail(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_for(request.user, case_id, category=Category.CAPACITY)
    timeline = case_timeline(case, timezone.localdate())
    is_patient = case.patient_id == request.user.pk
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "timeline": timeline,
            "rules": rule_set(case.jurisdiction),
            "is_patient": is_patient,
            "may_edit": not is_patient and bool(request.user.roles & CASE_EDITORS.roles),
            # Each duty is marked by its responsible party or the coordinator.
            "marking_role": case.access_decision.role,
            # Links only where they lead: each a decision, recorded; the pages check again.
            "may_open": categories_allowed(
                request.user,
                case.patient,
                OWN_CASE_LINKS if is_patient else CASE_LINKS,
                object_type="case_page_links",
            ),
            "may_see_note": NOTE_SHARED_WITH_READER.passes(
                request.user, case.access_decision, case
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case at a care unit where the user is a physician or coordinator."""
    unit = next(
        (m.organisation for m in request.user.memberships_cached() if m.role in CASE_EDITORS.roles),
        None,
    )
    if unit is None:
        raise PermissionDenied
    form = NewCaseForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        case = services.case_open(actor=request.user, unit=unit, form_case=form.save(commit=False))
        messages.success(request, _("The case is opened."))
        return redirect("case_detail", case_id=case.pk)
    return render(request, "cases/case_new.html", {"form": form, "unit": unit})


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, case_id) -> HttpResponse:
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    case = get_case_for(
        request.user, case_id, category=Category.CAPACITY, action=action, roles=CASE_EDITORS
    )
    form = CaseForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.case_update(
                actor=request.user,
                case=case,
                changes=changes,
                revision=form.cleaned_data["revision"],
            )
        except StaleEdit:
            form.add_error(
                None,
                _(
                    "Someone else saved this case while you were editing. Your changes are "
                    "below and were not saved; open the case again to see theirs."
                ),
            )
        else:
            messages.success(request, _("The case is saved."))
            return redirect("case_detail", case_id=case.pk)
    return render(request, "cases/case_edit.html", {"case": case, "form": form})


@login_required
@require_POST
def milestone_done(request: HttpRequest, case_id, code: str) -> HttpResponse:
    duties = {
        jurisdiction: rule
        for jurisdiction in JURISDICTIONS
        for rule in rule_set(jurisdiction).milestones
        if rule.code == code and rule.kind == "duty"
    }
    if not duties:
        refuse(
            request.user,
            category=Category.CAPACITY,
            action=Action.UPDATE,
            object_type="milestone",
            object_id=f"{case_id}/{code}",
        )
    case = get_case_for(
        request.user,
        case_id,
        category=Category.CAPACITY,
        action=Action.UPDATE,
        checks=[MARKS_DUTY.given(duties=duties)],
    )
    if request.POST.get("undo"):
        services.milestone_reopen(actor=request.user, case=case, code=code)
    else:
        services.milestone_complete(actor=request.user, case=case, code=code)
    return redirect("case_detail", case_id=case.pk)


@login_required
@require_safe
def certificate_list(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_for(request.user, case_id, category=Category.SICK_LEAVE)
    certificates = list(
        case.certificates.prefetch_related("diagnoses", "periods").order_by("series", "version")
    )
    in_force = {c.pk for c in current_versions(certificates)}
    withheld = {c.pk for c in certificates if medical_details_withheld(request.user, c)}
    return render(
        request,
        "cases/certificate_list.html",
        {
            "case": case,
            "certificates": certificates,
            "in_force": in_force,
            "withheld": withheld,
            "may_certify": Role.PHYSICIAN in request.user.roles,
        },
    )


def _form_context(case, forms, certificate=None) -> dict:
    system = "icd10" if case.jurisdiction == "SE" else "icpc2"
    return {
        "case": case,
        "forms": forms,
        "certificate": certificate,
        "assessment": _live_assessment(case, forms, certificate),
        # The form offers the common codes at first and searches the rest as the user types,
        # instead of carrying every code in the page.
        "code_list": codes.common_codes(system, get_language()),
        "code_system": system,
    }


def _live_assessment(case, forms, certificate):
    """The guidance for what is on the form now (saved draft or the user's unsaved input)."""
    if forms.main.is_bound:
        forms.is_valid()
        rows = [f.cleaned_data for f in forms.periods.forms if getattr(f, "cleaned_data", None)]
        proposed = [
            Period(r["starts_on"], r["ends_on"], r["degree"])
            for r in rows
            if {"starts_on", "ends_on", "degree"} <= r.keys()
            and r["degree"] is not None
            and r["ends_on"] >= r["starts_on"]
        ]
        diagnoses = [
            f.cleaned_data
            for f in forms.diagnoses.forms
            if getattr(f, "cleaned_data", None) and f.cleaned_data.get("code")
        ]
        main = getattr(forms.main, "cleaned_data", {})
        return services.assessment_for(
            case,
            proposed,
            exclude_series=certificate.series if certificate else None,
            diagnosis_codes=[d["code"] for d in diagnoses],
            diagnosis_texts=[d.get("text", "") for d in diagnoses],
            typical_case_id=main.get("fmb_typical_case", ""),
            functional_impairment=main.get("functional_impairment", ""),
            activity_limitation=main.get("activity_limitation", ""),
        )
    if certificate is not None:
        return services.certificate_assessment(certificate)
    return None


@login_required
@once_per_submission("client_token")
@require_http_methods(["GET", "POST"])
def certificate_new(request: HttpRequest, case_id) -> HttpResponse:
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    case = get_case_for(
        request.user, case_id, category=Category.SICK_LEAVE, action=action, roles=CERTIFIERS
    )
    forms = CertificateForms(
        kind=case.certificate_kind,
        jurisdiction=case.jurisdiction,
        data=request.POST or None,
        sick_from=case.sick_from,
    )
    if request.method == "POST" and forms.is_valid():
        certificate = services.certificate_create(
            actor=request.user,
            case=case,
            content=forms.content(),
            client_token=forms.main.cleaned_data.get("client_token"),
        )
        messages.success(request, _("The draft is saved. Check it, then sign."))
        return redirect("certificate_detail", certificate_id=certificate.pk)
    return render(request, "cases/certificate_form.html", _form_context(case, forms))


@login_required
@require_safe
def certificate_detail(request: HttpRequest, certificate_id) -> HttpResponse:
    certificate = get_record_for(request.user, CERTIFICATE, certificate_id)
    return _render_detail(request, certificate)


def _render_detail(request, certificate, sign_errors=None, status=200) -> HttpResponse:
    versions = selectors.versions_of(certificate)
    return render(
        request,
        "cases/certificate_detail.html",
        {
            "certificate": certificate,
            "case": certificate.case,
            "versions": versions,
            "assessment": None
            if certificate.is_signed
            else services.certificate_assessment(certificate),
            "sign_errors": sign_errors,
            "may_certify": Role.PHYSICIAN in request.user.roles,
            "language": request.LANGUAGE_CODE,
            "withheld": medical_details_withheld(request.user, certificate),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_edit(request: HttpRequest, certificate_id) -> HttpResponse:
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    certificate = get_record_for(
        request.user, CERTIFICATE, certificate_id, action=action, roles=CERTIFIERS
    )
    if certificate.is_signed:
        messages.info(request, _("A signed certificate never changes. Write a correction."))
        return redirect("certificate_detail", certificate_id=certificate.pk)
    case = certificate.case
    forms = CertificateForms(
        kind=certificate.kind,
        jurisdiction=case.jurisdiction,
        data=request.POST or None,
        instance=certificate,
        sick_from=case.sick_from,
    )
    if request.method == "POST" and forms.is_valid():
        try:
            services.certificate_update(
                actor=request.user,
                certificate=certificate,
                content=forms.content(),
                revision=forms.main.cleaned_data.get("revision") or 0,
            )
        except StaleEdit:
            forms.main.add_error(
                None,
                _(
                    "This draft was saved elsewhere while you were editing. Your text is "
                    "kept below and was not saved; compare it with the saved draft."
                ),
            )
        except services.CertificateLocked:
            messages.info(request, _("A signed certificate never changes. Write a correction."))
            return redirect("certificate_detail", certificate_id=certificate.pk)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("certificate_detail", certificate_id=certificate.pk)
    return render(request, "cases/certificate_form.html", _form_context(case, forms, certificate))


@login_required
@require_http_methods(["GET", "POST"])
def certificate_guidance(request: HttpRequest, case_id) -> HttpResponse:
    """The guidance panel for the form as it is now (htmx swaps it in while typing)."""
    case = get_case_for(request.user, case_id, category=Category.SICK_LEAVE)
    try:
        certificate = case.certificates.filter(pk=uuid.UUID(request.GET["certificate"])).first()
    except (KeyError, ValueError):
        certificate = None
    forms = CertificateForms(
        kind=case.certificate_kind,
        jurisdiction=case.jurisdiction,
        data=request.POST or None,
        sick_from=case.sick_from,
    )
    return render(
        request,
        "cases/_guidance.html",
        {"assessment": _live_assessment(case, forms, certificate), "case": case},
    )


@login_required
@require_POST
def certificate_sign(request: HttpRequest, certificate_id) -> HttpResponse:
    certificate = get_record_for(
        request.user, CERTIFICATE, certificate_id, action=Action.UPDATE, roles=CERTIFIERS
    )
    try:
        services.certificate_sign(actor=request.user, certificate=certificate)
    except services.CertificateIncomplete as incomplete:
        return _render_detail(request, certificate, sign_errors=incomplete.errors, status=422)
    messages.success(request, _("The certificate is signed."))
    return redirect("certificate_detail", certificate_id=certificate.pk)


@login_required
@require_POST
def certificate_correct(request: HttpRequest, certificate_id) -> HttpResponse:
    certificate = get_record_for(
        request.user, CERTIFICATE_TO_CORRECT, certificate_id, action=Action.CREATE
    )
    draft = services.certificate_correct(actor=request.user, certificate=certificate)
    return redirect("certificate_edit", certificate_id=draft.pk)


@login_required
@require_safe
def employer_copy(request: HttpRequest, certificate_id) -> HttpResponse:
    certificate = get_record_for(request.user, EMPLOYER_COPY, certificate_id)
    return render(request, "cases/employer_copy.html", {"certificate": certificate})


@login_required
@require_safe
def code_search(request: HttpRequest, system: str) -> HttpResponse:
    """Diagnosis codes matching what is typed, as options for the form's list (htmx).
    Reference data only: no patient's data, so any signed-in person may search."""
    if system not in codes.FILES:
        raise Http404
    # htmx sends the code field under its form name (diagnosis-0-code); `q` for others.
    text = request.GET.get("q") or next(
        (value for name, value in request.GET.items() if name.endswith("code")), ""
    )
    found = codes.search(system, text) or codes.common_codes(system, get_language())
    return render(request, "cases/_code_options.html", {"code_list": found})

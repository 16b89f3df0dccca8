"""Participation pages: proposals for everyone who takes part, the network for the
facilitator, the representative's own profile, and the invitation link."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from stegvis.access.participation import (
    get_activity_for,
    get_facilitator_scope,
    get_in_scope,
    get_participation_scope,
    get_report_scope,
    get_representative_for,
    record_network_listed,
)
from stegvis.access.statistics import statistics_scope
from stegvis.accounts.mfa import mfa_satisfied
from stegvis.core.crisis import crisis_page
from stegvis.core.csv_stream import csv_response
from stegvis.core.errors import StaleEdit
from stegvis.core.idempotency import once_per_submission
from stegvis.core.pdf import pdf_response
from stegvis.insights.equality import MEASURES
from stegvis.network.invitee import invitee
from stegvis.participation import selectors, services
from stegvis.participation.forms import (
    ActivityForm,
    AnswerForm,
    CommentForm,
    InviteForm,
    NetworkSearchForm,
    ProfileForm,
    ProgressForm,
    ProposalForm,
    RecordForm,
    ReportForm,
    ResultForm,
)
from stegvis.participation.impact import MONTHLY, report, unit_figures
from stegvis.participation.models import AuthorKind, ProposalState, author_shown_to

SHOWN_STATES = [state for state in ProposalState if state != ProposalState.WITHDRAWN]


@login_required
@require_safe
def participation_home(request: HttpRequest) -> HttpResponse:
    """The proposals of the reader's units, by state; the facilitator's queue first."""
    scope = get_participation_scope(request.user, object_type="proposal_list")
    state = request.GET.get("state", "")
    proposals = selectors.proposals_for(
        scope, request.user, state=state if state in ProposalState.values else None
    )
    return render(
        request,
        "participation/home.html",
        {
            "scope": scope,
            "proposals": proposals[:200],
            "state": state,
            "states": SHOWN_STATES,
            "waiting": (
                selectors.unanswered_count(scope, request.user) if scope.is_facilitator else None
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def proposal_new(request: HttpRequest) -> HttpResponse:
    scope = get_participation_scope(request.user, object_type="proposal")
    form = ProposalForm(request.POST or None, units=selectors.unit_names(scope.units))
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                actor=request.user,
                scope=scope,
                organisation_id=form.cleaned_data["unit"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                show_name_to_staff=form.cleaned_data["show_name_to_staff"],
            )
        except services.NotAllowed as refused:
            form.add_error(None, str(refused))
        else:
            if getattr(proposal, "crisis", None):
                return crisis_page(request)
            messages.success(request, _("Thank you. Your proposal is sent."))
            return redirect("proposal_detail", service_proposal_id=proposal.pk)
    return render(
        request,
        "participation/proposal_new.html",
        {"form": form, "shown_as": AuthorKind(scope.kind).label},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, service_proposal_id) -> HttpResponse:
    proposal, scope = get_in_scope(
        request.user,
        selectors.proposals_shown_to(request.user),
        service_proposal_id,
        object_type="proposal",
    )
    answer = AnswerForm(initial={"revision": proposal.revision, "state": proposal.state})
    comment = CommentForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                answer = AnswerForm(request.POST)
                if answer.is_valid():
                    services.proposal_move(
                        actor=request.user,
                        scope=scope,
                        proposal=proposal,
                        revision=answer.cleaned_data["revision"],
                        state=answer.cleaned_data["state"],
                        answer=answer.cleaned_data["answer"],
                    )
                    messages.success(request, _("The proposal's state is changed."))
                    return redirect("proposal_detail", service_proposal_id=proposal.pk)
            elif action == "withdraw":
                services.proposal_move(
                    actor=request.user, scope=scope, proposal=proposal,
                    revision=int(request.POST.get("revision") or 0),
                    state=ProposalState.WITHDRAWN,
                )  # fmt: skip
                messages.success(request, _("Your proposal is withdrawn."))
                return redirect("proposal_detail", service_proposal_id=proposal.pk)
            elif action in ("support", "unsupport"):
                services.proposal_support(
                    actor=request.user, proposal=proposal, support=action == "support"
                )
                return redirect("proposal_detail", service_proposal_id=proposal.pk)
            elif action == "comment":
                comment = CommentForm(request.POST)
                if comment.is_valid():
                    written = services.proposal_comment(
                        actor=request.user,
                        scope=scope,
                        proposal=proposal,
                        body=comment.cleaned_data["body"],
                        show_name_to_staff=comment.cleaned_data["show_name_to_staff"],
                    )
                    if getattr(written, "crisis", None):
                        return crisis_page(request)
                    return redirect("proposal_detail", service_proposal_id=proposal.pk)
            elif action == "duplicate":
                of = None
                if request.POST.get("duplicate_of"):
                    of, _scope = get_in_scope(
                        request.user, selectors.every_proposal(request.user),
                        request.POST["duplicate_of"], object_type="proposal", facilitator=True,
                    )  # fmt: skip
                services.proposal_mark_duplicate(
                    actor=request.user, scope=scope, proposal=proposal, of=of
                )
                return redirect("proposal_detail", service_proposal_id=proposal.pk)
        except services.NotAllowed as refused:
            if action == "answer":
                answer.add_error(None, str(refused))  # beside the answer, which is kept
            else:
                messages.error(request, str(refused))
        except StaleEdit:
            messages.error(
                request,
                _("Someone changed this proposal while you were writing. Here it is now; "
                  "your answer is kept below."),
            )  # fmt: skip
            proposal.refresh_from_db()
            answer = AnswerForm(
                {**request.POST.dict(), "revision": proposal.revision},
            )
        status = 400
    supporters = selectors.supporter_count(proposal)
    return render(
        request,
        "participation/proposal_detail.html",
        {
            "proposal": proposal,
            "author": author_shown_to(request.user, scope, proposal),
            "comments": [
                (c, author_shown_to(request.user, scope, c))
                for c in selectors.comments_on(proposal, request.user)
            ],
            "shown_as": AuthorKind(scope.kind).label,
            "changes": selectors.changes_of(proposal),
            "supporters": supporters,
            "supported": selectors.supported_by(proposal, request.user),
            "answer_form": answer if proposal.organisation_id in scope.answers_for else None,
            "comment_form": comment,
            "may_withdraw": services.may_move(
                scope, request.user, proposal, ProposalState.WITHDRAWN
            ),
            "others": (
                selectors.proposals_it_may_repeat(proposal, request.user)
                if proposal.organisation_id in scope.answers_for
                else []
            ),
        },
        status=status,
    )


# The network, for its facilitator.
@login_required
@require_http_methods(["GET", "POST"])
def network(request: HttpRequest) -> HttpResponse:
    scope = get_facilitator_scope(request.user, object_type="representative_list")
    search = NetworkSearchForm(request.GET or None)
    invite = InviteForm(request.POST or None)
    organisation = selectors.network_organisation(scope)
    if request.method == "POST" and invite.is_valid():
        try:
            services.representative_invite(
                actor=request.user,
                scope=scope,
                organisation=organisation,
                email=invite.cleaned_data["email"],
                name=invite.cleaned_data["name"],
            )
        except services.NotAllowed as refused:
            invite.add_error("email", str(refused))
        else:
            messages.success(
                request,
                _("We sent an invitation to {email}.").format(email=invite.cleaned_data["email"]),
            )
            return redirect("participation_network")
    wanted = search.cleaned_data if search.is_valid() else {}
    found = selectors.representatives_of(
        scope.facilitates, area=wanted.get("area"), when=wanted.get("when")
    )
    record_network_listed(request.user, found)
    return render(
        request,
        "participation/network.html",
        {
            "search": search,
            "invite": invite,
            "representatives": found,
            "health": selectors.network_health(scope.facilitates),
        },
        status=400 if invite.is_bound else 200,
    )


@login_required
@require_safe
def representative_detail(request: HttpRequest, representative_id: int) -> HttpResponse:
    representative = get_representative_for(
        request.user, selectors.every_representative(), representative_id
    )
    return render(request, "participation/representative.html", {"representative": representative})


# The representative's own page.
@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest) -> HttpResponse:
    mine = selectors.representative_of(request.user)
    representative = get_representative_for(
        request.user, selectors.every_representative(), mine.pk if mine else 0
    )
    initial = {
        "revision": representative.revision,
        "areas": selectors.areas_of(representative),
        **{
            name: getattr(representative, name)
            for name in ProfileForm.base_fields
            if name not in ("revision", "areas")
        },
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("action") == "leave":
        services.representative_leave(actor=request.user, representative=representative)
        messages.success(request, _("You have left the network. Thank you for your help."))
        return redirect("home")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        revision, areas = data.pop("revision"), data.pop("areas")
        try:
            services.representative_update(
                actor=request.user,
                representative=representative,
                revision=revision,
                areas=areas,
                **data,
            )
        except StaleEdit:
            form.add_error(
                None,
                _("Your profile changed in another window. Check it and save again."),
            )
            form.data = form.data.copy()
            form.data["revision"] = selectors.saved_revision(representative)
        else:
            messages.success(request, _("Saved."))
            return redirect("my_participation_profile")
    return render(
        request,
        "participation/my_profile.html",
        {"form": form, "representative": representative},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def representative_join(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a representative's invitation: the invitee, signed in with the invited
    address, joins with one click; someone new chooses a name and password. Anyone signed
    in with another address is refused."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "network/invitation_invalid.html", status=404)
    found = invitee(request, invitation.email)
    if found.someone_else:
        return render(request, "network/invitation_not_theirs.html", status=403)
    if request.method == "POST" and found.user is not None:
        try:
            services.invitation_accept(invitation=invitation, user=found.user)
        except services.InvitationUsed:
            return render(request, "network/invitation_invalid.html", status=404)
        messages.success(request, _("Welcome to the network. Tell us about your experience."))
        return redirect(
            "my_participation_profile" if mfa_satisfied(found.user) else "mfa_activate_totp"
        )
    return render(
        request,
        "participation/join.html",
        {"invitation": invitation, "form": found.form, "must_sign_in": found.must_sign_in},
        status=400 if found.form is not None and found.form.is_bound else 200,
    )


# Involvement activities
@login_required
@require_http_methods(["GET", "POST"])
def activity_list(request: HttpRequest) -> HttpResponse:
    """The facilitator's activities (and a new one); a representative's invitations."""
    scope = get_participation_scope(request.user, object_type="activity_list")
    form = ActivityForm(request.POST or None) if scope.is_facilitator else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            activity = services.activity_create(
                actor=request.user,
                scope=scope,
                organisation_id=min(scope.answers_for),
                **form.cleaned_data,
            )
            return redirect("activity_detail", activity_id=activity.pk)
    activities = selectors.activities_for(scope, request.user)
    return render(
        request,
        "participation/activities.html",
        {"activities": activities[:100], "form": form, "scope": scope},
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_detail(request: HttpRequest, activity_id) -> HttpResponse:
    activity, scope, runs = get_activity_for(request.user, selectors.every_activity(), activity_id)
    participants = selectors.participants_of(activity)
    record = RecordForm(
        request.POST if request.POST.get("action") == "record" else None,
        initial={"revision": activity.revision, "status": activity.status,
                 "minutes": activity.minutes, "decided": activity.decided},
    )  # fmt: skip
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("coming", "not_coming") and not runs:
                mine = next(p for p in participants if p.representative.user_id == request.user.pk)
                services.participant_respond(
                    actor=request.user, participant=mine, coming=action == "coming"
                )
                return redirect("activity_detail", activity_id=activity.pk)
            if action == "invite" and runs:
                chosen = selectors.representatives_among(request.POST.getlist("representatives"))
                services.activity_invite(
                    actor=request.user, scope=scope, activity=activity,
                    representatives=list(chosen),
                )  # fmt: skip
                messages.success(request, _("The invitations are sent."))
                return redirect("activity_detail", activity_id=activity.pk)
            if action == "record" and runs and record.is_valid():
                time_spent = {
                    p.pk: _minutes(request.POST.get(f"time-{p.pk}")) for p in participants
                }
                services.activity_record(
                    actor=request.user, scope=scope, activity=activity,
                    time_spent=time_spent, **record.cleaned_data,
                )  # fmt: skip
                messages.success(request, _("Saved."))
                return redirect("activity_detail", activity_id=activity.pk)
        except services.NotAllowed as refused:
            messages.error(request, str(refused))
        except StaleEdit:
            record.add_error(None, _("Someone saved this activity meanwhile. Your text is kept."))
            record.data = record.data.copy()
            record.data["revision"] = selectors.saved_revision(activity)
        status = 400
    invited = {p.representative_id for p in participants}
    candidates = (
        selectors.representatives_to_invite(scope.facilitates, besides=invited) if runs else []
    )
    return render(
        request,
        "participation/activity.html",
        {
            "activity": activity,
            "runs": runs,
            "participants": participants,
            "mine": next(
                (p for p in participants if p.representative.user_id == request.user.pk), None
            ),
            "candidates": candidates,
            "record": record,
        },
        status=status,
    )


def _minutes(value: str | None) -> int | None:
    try:
        minutes = int(value or 0)
    except ValueError:
        return None
    return minutes if 0 < minutes <= 24 * 60 else None


# "You said, we did"
@login_required
@require_http_methods(["GET", "POST"])
def you_said_we_did(request: HttpRequest) -> HttpResponse:
    """What was done with patients' and representatives' input, for everyone who takes part;
    the facilitator records new results and their progress here."""
    scope = get_participation_scope(request.user, object_type="result_list")
    form = None
    if scope.is_facilitator:
        form = ResultForm(
            request.POST if request.POST.get("action") == "create" else None,
            managers=selectors.manager_choices(scope.answers_for),
            # Those the insights give by month, which the impact report compares.
            indicators=[(code, MEASURES[code].title) for code in MONTHLY],
            parents=selectors.result_choices(scope.answers_for),
        )
    if request.method == "POST":
        if not scope.is_facilitator:
            raise Http404
        try:
            if request.POST.get("action") == "create" and form.is_valid():
                data = dict(form.cleaned_data)
                parent = data.pop("parent")
                proposals = selectors.proposals_among(
                    request.POST.getlist("proposals"), scope.answers_for, request.user
                )
                activities = selectors.activities_among(
                    request.POST.getlist("activities"), scope.answers_for
                )
                services.result_create(
                    actor=request.user, scope=scope, organisation_id=min(scope.answers_for),
                    proposals=list(proposals), activities=list(activities),
                    responsible_id=data.pop("responsible"),
                    parent=selectors.larger_result(parent) if parent else None, **data,
                )  # fmt: skip
                messages.success(request, _("The result is recorded."))
                return redirect("you_said_we_did")
            if request.POST.get("action") == "progress":
                result, _scope = get_in_scope(
                    request.user, selectors.every_result(), request.POST.get("result"),
                    object_type="result", facilitator=True,
                )  # fmt: skip
                progress = ProgressForm(request.POST)
                if progress.is_valid():
                    services.result_update(
                        actor=request.user, scope=scope, result=result, **progress.cleaned_data
                    )
                    return redirect(f"{reverse('you_said_we_did')}#result-{result.pk}")
                messages.error(request, _("Give a status, a progress and what happened."))
        except services.NotAllowed as refused:
            messages.error(request, str(refused))
        except StaleEdit:
            messages.error(request, _("Someone updated this result meanwhile. Look again."))
    roots = selectors.result_tree(scope.units)
    return render(
        request,
        "participation/results.html",
        {
            "roots": roots,
            "form": form,
            "scope": scope,
            "progress_form": ProgressForm(),
            "accepted": (
                selectors.accepted_proposals(scope.answers_for, request.user)
                if scope.is_facilitator
                else []
            ),
            "held": selectors.held_activities(scope.answers_for) if scope.is_facilitator else [],
        },
        status=400 if form is not None and form.is_bound else 200,
    )


# The impact report
@login_required
@require_safe
def impact(request: HttpRequest) -> HttpResponse:
    """Per unit and period: what participation did, and indicators before and after a
    result that names one; as a page, a PDF and a CSV."""
    units = get_report_scope(request.user, object_type="participation_impact")
    today = timezone.localdate()
    names = selectors.unit_names(units)
    form = ReportForm(
        {"start": today - timedelta(days=365), "end": today, **request.GET.dict()}, units=names
    )
    if not form.is_valid():
        return render(
            request, "participation/impact.html", {"form": form, "report": None}, status=400
        )
    as_of = selectors.extract_as_of() or today
    if form.cleaned_data.get("unit"):
        units = {form.cleaned_data["unit"]}
    figures_of = unit_figures(statistics_scope(request.user))
    found = report(units, form.cleaned_data["start"], form.cleaned_data["end"], as_of, figures_of)
    shown = ", ".join(name for pk, name in names if pk in units)
    context = {"form": form, "report": found, "units": shown}
    wanted = request.GET.get("format")
    if wanted == "csv":
        return csv_response("participation-impact", ["measure", "value"], found.rows())
    if wanted == "pdf":
        return pdf_response(
            request, "participation/pdf/impact.html", context, "participation-impact.pdf"
        )
    return render(request, "participation/impact.html", context)

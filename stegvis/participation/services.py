"""Writes of participation: the representatives' network and proposals.

A proposal moves through Decidim's states (TRANSITIONS below). Accepting or rejecting needs a
public answer, since the literature's first complaint is input that vanishes unanswered; only
the author withdraws, and a withdrawn proposal stays withdrawn.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.core.crisis import patient_wrote
from stegvis.core.errors import NotAllowed, StaleEdit
from stegvis.network.services import InvitationUsed, hash_invitation_token, same_address
from stegvis.notifications import emails as mail
from stegvis.notifications.channels import absolute
from stegvis.notifications.models import NotificationKind, OutboxKind
from stegvis.notifications.outbox import Notice, notify
from stegvis.participation.models import (
    Activity,
    ActivityParticipant,
    ActivityStatus,
    InvitationStatus,
    ParticipantStatus,
    Proposal,
    ProposalChange,
    ProposalComment,
    ProposalState,
    ProposalSupport,
    Representative,
    RepresentativeArea,
    RepresentativeInvitation,
    Result,
    TimelineEntry,
)
from stegvis.participation.rules import ParticipationScope

INVITATION_DAYS = 14
State = ProposalState
# Who may move a proposal from a state to which: "facilitator" or "author".
TRANSITIONS: dict[str, dict[str, str]] = {
    State.NOT_ANSWERED: {
        State.EVALUATING: "facilitator",
        State.ACCEPTED: "facilitator",
        State.REJECTED: "facilitator",
        State.WITHDRAWN: "author",
    },
    State.EVALUATING: {
        State.ACCEPTED: "facilitator",
        State.REJECTED: "facilitator",
        State.WITHDRAWN: "author",
    },
    # An answer can be reconsidered, and said again in public.
    State.ACCEPTED: {State.EVALUATING: "facilitator", State.REJECTED: "facilitator"},
    State.REJECTED: {State.EVALUATING: "facilitator", State.ACCEPTED: "facilitator"},
    State.WITHDRAWN: {},
}
NEEDS_ANSWER = {State.ACCEPTED, State.REJECTED}


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowed(message)


def _update_unless_stale(obj, revision: int, **changes) -> None:
    if (
        not type(obj)
        .objects.filter(pk=obj.pk, revision=revision)
        .update(revision=revision + 1, **changes)
    ):
        raise StaleEdit
    obj.refresh_from_db()


# The network of representatives
@audit.atomic()
def representative_invite(
    *, actor: User, scope: ParticipationScope, organisation: Organisation, email: str, name: str,
) -> RepresentativeInvitation:  # fmt: skip
    """An e-mailed link to join the network, sent through the outbox after the commit (see
    `invitation_email`). Asking again sends a fresh link and keeps one invitation; someone
    already in the network is not invited again."""
    _require(organisation.pk in scope.facilitates, _("You do not run this network."))
    email = email.strip().lower()
    already = Representative.objects.filter(
        user__email__iexact=email, organisation=organisation, left_at__isnull=True
    )
    _require(not already.exists(), _("{email} is already in the network.").format(email=email))
    invitation = RepresentativeInvitation.objects.filter(
        organisation=organisation, email=email, status=InvitationStatus.OPEN
    ).first() or RepresentativeInvitation(organisation=organisation, email=email)
    invitation.name = name
    invitation.invited_by = actor
    # A link asked for before this one stops working now; the e-mail brings a new one.
    invitation.token_hash = ""
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save()
    mail.queue_to_address(email, kind=OutboxKind.REPRESENTATIVE_INVITATION, object_id=invitation.pk)
    return invitation


@audit.atomic()
def invitation_email(invitation_id) -> EmailMessage | None:
    """The invitation's e-mail with a fresh link (valid INVITATION_DAYS from now), written
    as a worker sends it: the token is stored only as its hash, so it cannot wait in a
    queue. None when the invitation is no longer open. In the inviter's language."""
    invitation = (
        RepresentativeInvitation.objects.select_for_update()
        .select_related("organisation", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.status != InvitationStatus.OPEN:
        return None
    raw = secrets.token_urlsafe(32)
    invitation.token_hash = hash_invitation_token(raw)
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    link = absolute(reverse("representative_join", args=[raw]))
    with override(invitation.invited_by.preferred_language):
        context = {"invitation": invitation, "link": link, "days": INVITATION_DAYS}
        unit = invitation.organisation.name
        return EmailMessage(
            subject=_("You are invited to help develop {unit}").format(unit=unit),
            body=render_to_string("participation/invitation_email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[invitation.email],
        )


def invitation_for_token(raw: str) -> RepresentativeInvitation | None:
    invitation = (
        RepresentativeInvitation.objects.select_related("organisation")
        .filter(token_hash=hash_invitation_token(raw), status=InvitationStatus.OPEN)
        .first()
    )
    if invitation is None or invitation.expires_at < timezone.now():
        return None
    return invitation


@audit.atomic()
def invitation_accept(*, invitation: RepresentativeInvitation, user: User) -> Representative:
    """The invitee, signed in (or just registered) with the invited address, joins the
    network as a representative (their profile comes next). The invitation is used up by
    the first acceptance: a conditional UPDATE, so of two requests at once only one finds
    it open (InvitationUsed for the other)."""
    _require(
        same_address(user.email, invitation.email), _("This invitation was sent to someone else.")
    )
    taken = RepresentativeInvitation.objects.filter(
        pk=invitation.pk,
        status=InvitationStatus.OPEN,
        token_hash=invitation.token_hash,
        expires_at__gte=timezone.now(),
    ).update(status=InvitationStatus.ACCEPTED, token_hash="")
    if not taken:
        raise InvitationUsed
    invitation.status, invitation.token_hash = InvitationStatus.ACCEPTED, ""
    Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, role=Role.PATIENT_REPRESENTATIVE
    )
    representative, created = Representative.objects.get_or_create(
        user=user, defaults={"organisation": invitation.organisation}
    )
    if not created and representative.left_at is not None:
        representative.organisation = invitation.organisation
        representative.left_at = None
        representative.joined_at = timezone.now()
        representative.save(update_fields=["organisation", "left_at", "joined_at"])
    return representative


@audit.atomic()
def representative_update(
    *, actor: User, representative: Representative, revision: int, areas: list[str], **fields
) -> Representative:
    """The representative's own profile: areas, languages, availability, contact. Consent to
    be contacted changes at once, with the time it changed."""
    _require(actor.pk == representative.user_id, _("Only the representative edits this."))
    if fields.get("may_contact") != representative.may_contact:
        fields["may_contact_changed_at"] = timezone.now()
    _update_unless_stale(representative, revision, **fields)
    RepresentativeArea.objects.filter(representative=representative).exclude(
        area__in=areas
    ).delete()
    for area in areas:
        RepresentativeArea.objects.get_or_create(representative=representative, area=area)
    return representative


@audit.atomic()
def representative_leave(*, actor: User, representative: Representative) -> Representative:
    """Leaving the network: no more contact, at once; what they took part in stays."""
    _require(actor.pk == representative.user_id, _("Only the representative leaves."))
    now = timezone.now()
    Representative.objects.filter(pk=representative.pk).update(
        left_at=now, may_contact=False, may_contact_changed_at=now
    )
    Membership.objects.filter(user=actor, role=Role.PATIENT_REPRESENTATIVE).delete()
    representative.refresh_from_db()
    return representative


# Proposals
@audit.atomic()
def proposal_create(
    *, actor: User, scope: ParticipationScope, organisation_id: int, title: str, body: str,
    show_name_to_staff: bool = False,
) -> Proposal:  # fmt: skip
    """A new proposal; its author's name reaches the unit's staff only when
    `show_name_to_staff` (the author's own choice) and never anyone else."""
    _require(organisation_id in scope.units, _("You cannot make a proposal to that unit."))
    proposal = Proposal.objects.create(
        organisation_id=organisation_id,
        author=actor,
        author_kind=scope.kind,
        name_shown_to_staff=show_name_to_staff,
        title=title.strip(),
        body=body.strip(),
    )
    ProposalChange.objects.create(proposal=proposal, state=proposal.state, actor=actor)
    proposal.crisis = _words_of_crisis(actor, proposal, f"{proposal.title}\n{proposal.body}")
    return proposal


def may_move(scope: ParticipationScope, actor: User, proposal: Proposal, state: str) -> bool:
    who = TRANSITIONS.get(proposal.state, {}).get(state)
    if who == "author":
        return proposal.author_id == actor.pk
    return who == "facilitator" and proposal.organisation_id in scope.answers_for


@audit.atomic()
def proposal_move(
    *, actor: User, scope: ParticipationScope, proposal: Proposal, revision: int, state: str,
    answer: str = "",
) -> Proposal:  # fmt: skip
    """Move a proposal to `state`; accepting or rejecting needs the public answer."""
    _require(
        may_move(scope, actor, proposal, state),
        _("A proposal that is “{now}” cannot become “{then}” by you.").format(
            now=proposal.get_state_display(), then=State(state).label
        ),
    )
    answer = answer.strip()
    _require(
        state not in NEEDS_ANSWER or answer,
        _("Write the answer the author and everyone else will read."),
    )
    changes: dict = {"state": state}
    if state in NEEDS_ANSWER or (answer and state == State.EVALUATING):
        changes |= {"answer": answer, "answered_by": actor}
        if proposal.answered_at is None:
            changes["answered_at"] = timezone.now()
    _update_unless_stale(proposal, revision, **changes)
    change = ProposalChange.objects.create(
        proposal=proposal, state=state, answer=answer, actor=actor
    )
    # Its author, and the representatives who support it, hear of the new state.
    supporters = User.objects.filter(
        pk__in=proposal.supports.values("user"), representative__left_at__isnull=True,
        representative__isnull=False,
    )  # fmt: skip
    told = {proposal.author, *supporters} - {actor}
    _tell(told, f"proposal:{proposal.pk}:{change.pk}", "proposal", proposal.pk,
          reverse("proposal_detail", args=[proposal.pk]))  # fmt: skip
    return proposal


def _tell(people, key: str, object_type: str, object_id, link: str) -> None:
    notify(
        Notice(
            kind=NotificationKind.PARTICIPATION_NEWS,
            key=key,
            link=link,
            object_type=object_type,
            object_id=str(object_id),
        ),
        [(user, None) for user in people],
    )


@audit.atomic()
def proposal_mark_duplicate(
    *, actor: User, scope: ParticipationScope, proposal: Proposal, of: Proposal | None
) -> Proposal:
    _require(proposal.organisation_id in scope.answers_for, _("You do not answer for this unit."))
    if of is not None:
        _require(of.pk != proposal.pk, _("A proposal cannot repeat itself."))
        _require(of.duplicate_of_id != proposal.pk, _("That proposal repeats this one."))
        _require(of.organisation_id == proposal.organisation_id, _("Not a proposal of this unit."))
    Proposal.objects.filter(pk=proposal.pk).update(duplicate_of=of)
    proposal.refresh_from_db()
    return proposal


@audit.atomic()
def proposal_support(*, actor: User, proposal: Proposal, support: bool) -> None:
    """One support per person; supporting twice changes nothing."""
    if not support:
        ProposalSupport.objects.filter(proposal=proposal, user=actor).delete()
        return
    # A second support, even at the same moment in another request, is ignored.
    ProposalSupport.objects.bulk_create(
        [ProposalSupport(proposal=proposal, user=actor)], ignore_conflicts=True
    )


@audit.atomic()
def proposal_comment(
    *, actor: User, scope: ParticipationScope, proposal: Proposal, body: str,
    show_name_to_staff: bool = False,
) -> ProposalComment:  # fmt: skip
    comment = ProposalComment.objects.create(
        proposal=proposal,
        author=actor,
        author_kind=scope.kind,
        name_shown_to_staff=show_name_to_staff,
        body=body.strip(),
    )
    comment.crisis = _words_of_crisis(actor, comment, comment.body)
    return comment


def _words_of_crisis(actor: User, written, text: str):
    """A patient's words of crisis raise the urgent flag and are held back from other
    readers until a person responsible has seen them; the crisis screen, or None."""
    if not actor.is_patient:
        return None
    return patient_wrote(
        author=actor,
        patient_id=actor.pk,
        text=text,
        source_type=written._meta.model_name,
        source_id=written.pk,
        meant_for_others=True,
    )


# Involvement activities
@audit.atomic()
def activity_create(*, actor: User, scope: ParticipationScope, organisation_id: int, **fields):
    _require(organisation_id in scope.answers_for, _("You do not run activities for this unit."))
    proposals = fields.pop("proposals", [])
    activity = Activity.objects.create(organisation_id=organisation_id, created_by=actor, **fields)
    activity.proposals.set(p for p in proposals if p.organisation_id == organisation_id)
    return activity


def preparation_email(participant_id) -> EmailMessage | None:
    """The role description and the preparation for one invited representative, in their
    own language, as a worker sends it; None when it may no longer be sent (they left the
    network or withdrew their consent to be contacted meanwhile, or the activity is no
    longer planned)."""
    participant = (
        ActivityParticipant.objects.select_related("activity", "representative__user")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None:
        return None
    activity, representative = participant.activity, participant.representative
    still_wanted = (
        representative.active
        and representative.may_contact
        and participant.status == ParticipantStatus.INVITED
        and activity.status == ActivityStatus.PLANNED
    )
    if not still_wanted:
        return None
    user = representative.user
    link = absolute(reverse("activity_detail", args=[activity.pk]))
    with override(user.preferred_language):
        context = {"activity": activity, "user": user, "link": link}
        return EmailMessage(
            subject=_("Invitation: {title}").format(title=activity.title),
            body=render_to_string("participation/activity_email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )


@audit.atomic()
def preparation_sent(participant_id) -> None:
    """Noted once the e-mail has left, so the facilitator's table says so."""
    ActivityParticipant.objects.filter(pk=participant_id).update(preparation_sent_at=timezone.now())


@audit.atomic()
def activity_invite(
    *, actor: User, scope: ParticipationScope, activity: Activity, representatives
) -> list[ActivityParticipant]:
    """Invite representatives of the network who may be contacted; anyone who withdrew that
    consent, or left, is not invited (and not told)."""
    _require(activity.organisation_id in scope.answers_for, _("You do not run this activity."))
    _require(activity.status == ActivityStatus.PLANNED, _("The activity is no longer planned."))
    wanted = [
        r for r in representatives
        if r.may_contact and r.active and r.organisation_id in scope.facilitates
    ]  # fmt: skip
    _require(
        len(wanted) == len(list(representatives)),
        _("Someone chosen does not want to be contacted now. Choose again."),
    )
    new = []
    for representative in wanted:
        participant, created = ActivityParticipant.objects.get_or_create(
            activity=activity, representative=representative
        )
        if created:
            new.append(participant)
            # Once per person: the outbox's key makes a second invitation the same row.
            mail.queue_to(representative.user, kind=OutboxKind.ACTIVITY_PREPARATION,
                          object_id=participant.pk)  # fmt: skip
    return new


@audit.atomic()
def participant_respond(*, actor: User, participant: ActivityParticipant, coming: bool) -> None:
    _require(participant.representative.user_id == actor.pk, _("Only the invited person answers."))
    ActivityParticipant.objects.filter(pk=participant.pk).exclude(
        status=ParticipantStatus.ATTENDED
    ).update(status=ParticipantStatus.ACCEPTED if coming else ParticipantStatus.DECLINED)


@audit.atomic()
def activity_record(
    *, actor: User, scope: ParticipationScope, activity: Activity, revision: int, minutes: str,
    decided: str, status: str, time_spent: dict[int, int | None],
) -> Activity:  # fmt: skip
    """The minutes and what was decided; each representative's time given (for
    compensation); those who took part are marked as involved that day."""
    _require(activity.organisation_id in scope.answers_for, _("You do not run this activity."))
    before = activity.status
    _update_unless_stale(activity, revision, minutes=minutes, decided=decided, status=status)
    if status != before:  # held or cancelled: everyone invited hears of it
        invited = [p.representative.user for p in activity.participants.select_related(
            "representative__user")]  # fmt: skip
        _tell(invited, f"activity:{activity.pk}:{status}", "activity", activity.pk,
              reverse("activity_detail", args=[activity.pk]))  # fmt: skip
    day = timezone.localdate(activity.starts_at)
    for participant in activity.participants.select_related("representative"):
        spent = time_spent.get(participant.pk)
        if spent:
            participant.minutes_spent = spent
            participant.status = ParticipantStatus.ATTENDED
            participant.save(update_fields=["minutes_spent", "status"])
            Representative.objects.filter(pk=participant.representative_id).exclude(
                last_involved_on__gt=day
            ).update(last_involved_on=day)
    return activity


# "You said, we did"
@audit.atomic()
def result_create(
    *, actor: User, scope: ParticipationScope, organisation_id: int, proposals=(),
    activities=(), **fields,
) -> Result:  # fmt: skip
    _require(organisation_id in scope.answers_for, _("You do not answer for this unit."))
    parent = fields.get("parent")
    _require(
        parent is None or parent.organisation_id == organisation_id,
        _("The larger result belongs to another unit."),
    )
    result = Result.objects.create(organisation_id=organisation_id, **fields)
    result.proposals.set(p for p in proposals if p.organisation_id == organisation_id)
    result.activities.set(a for a in activities if a.organisation_id == organisation_id)
    TimelineEntry.objects.create(
        result=result, description=_("Recorded."), status=result.status,
        progress=result.progress, author=actor, entry_date=result.start_date,
    )  # fmt: skip
    return result


def rolled_up_progress(result: Result) -> int:
    """A result's own progress, or its children's weighted by their weight (Decidim's
    weighted sum), rounded to a whole per cent."""
    children = list(result.children.all())
    if not children:
        return result.progress
    total = sum(child.weight for child in children) or 1
    return round(sum(rolled_up_progress(child) * child.weight for child in children) / total)


def people_involved(result: Result) -> list[User]:
    """Representatives who took part in what the result came from: its activities'
    participants who came, and its proposals' authors and supporters who are
    representatives."""
    from_activities = Representative.objects.filter(
        activities__activity__in=result.activities.all(),
        activities__status__in=(ParticipantStatus.ACCEPTED, ParticipantStatus.ATTENDED),
    )
    proposals = result.proposals.all()
    from_proposals = Representative.objects.filter(
        Q(user__proposals__in=proposals) | Q(user__in=ProposalSupport.objects.filter(
            proposal__in=proposals).values("user"))
    )  # fmt: skip
    found = (from_activities | from_proposals).filter(left_at__isnull=True).distinct()
    return [r.user for r in found.select_related("user")]


@audit.atomic()
def result_update(
    *, actor: User, scope: ParticipationScope, result: Result, revision: int, status: str,
    progress: int, description: str,
) -> Result:  # fmt: skip
    """A dated entry on the result's timeline; when the status changes, everyone who took
    part in what it came from is told."""
    _require(result.organisation_id in scope.answers_for, _("You do not answer for this unit."))
    _require(0 <= progress <= 100, _("Progress is a per cent, 0 to 100."))
    before = result.status
    _update_unless_stale(result, revision, status=status, progress=progress)
    entry = TimelineEntry.objects.create(
        result=result, description=description.strip(), status=status, progress=progress,
        author=actor,
    )  # fmt: skip
    if status != before:
        _tell(people_involved(result), f"result:{result.pk}:{entry.pk}", "result", result.pk,
              reverse("you_said_we_did") + f"#result-{result.pk}")  # fmt: skip
    return result

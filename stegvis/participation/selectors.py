"""Reads of participation: proposals, the network of representatives, activities and "you
said, we did", for a reader whose scope stegvis.access.participation has resolved."""

from datetime import date

from django.db.models import Count, Max, Q, QuerySet

from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import Role
from stegvis.core.crisis import not_held_from
from stegvis.insights.models import ExtractState
from stegvis.participation.models import (
    Activity,
    ActivityParticipant,
    ActivityStatus,
    ExperienceArea,
    Proposal,
    ProposalChange,
    ProposalComment,
    ProposalState,
    Representative,
    Result,
)
from stegvis.participation.rules import ParticipationScope
from stegvis.participation.services import rolled_up_progress


def unit_names(units) -> list[tuple[int, str]]:
    """The units' ids and names, by name (a form's choices, or a report's heading)."""
    return list(
        Organisation.objects.filter(pk__in=units).order_by("name").values_list("pk", "name")
    )


def saved_revision(obj) -> int:
    """The revision a proposal, representative, activity or result has in the database now:
    someone may have saved it since the page read it."""
    return type(obj).objects.get(pk=obj.pk).revision


# Proposals
def proposals_for(
    scope: ParticipationScope, reader: User, *, state: str | None = None
) -> QuerySet[Proposal]:
    """The proposals of the reader's units, newest first, with their unit, their author and
    how many support them, without what is held back from the reader: those in `state`,
    else every one but the withdrawn."""
    proposals = (
        not_held_from(Proposal.objects.filter(organisation_id__in=scope.units), reader)
        .select_related("organisation", "author")
        .annotate(support_count=Count("supports", distinct=True))
    )
    if state:
        return proposals.filter(state=state)
    return proposals.exclude(state=ProposalState.WITHDRAWN)


def unanswered_count(scope: ParticipationScope, reader: User) -> int:
    """How many proposals to the units a facilitator answers for wait for an answer (what is
    held back from them not counted)."""
    return (
        not_held_from(Proposal.objects.all(), reader)
        .filter(organisation_id__in=scope.answers_for, state=ProposalState.NOT_ANSWERED)
        .count()
    )


def proposals_shown_to(reader: User) -> QuerySet[Proposal]:
    """Every proposal but what is held back from the reader, with its unit, its author and
    the proposal it repeats: for get_in_scope to resolve one of the reader's units."""
    return not_held_from(Proposal.objects.all(), reader).select_related(
        "organisation", "author", "duplicate_of"
    )


def proposals_with_support_counts(reader: User) -> QuerySet[Proposal]:
    """Proposals as the API shows `reader` them: with their author and how many support
    them, without what is held back from them."""
    return (
        not_held_from(Proposal.objects.all(), reader)
        .select_related("author")
        .annotate(support_count=Count("supports"))
    )


def every_proposal(reader: User) -> QuerySet[Proposal]:
    """Every proposal the reader may read (none held back from them): for get_in_scope to
    resolve the one a facilitator says another repeats."""
    return not_held_from(Proposal.objects.all(), reader)


def comments_on(proposal: Proposal, reader: User) -> QuerySet[ProposalComment]:
    """The proposal's comments, oldest first, with their authors, without what is held back
    from the reader."""
    return not_held_from(proposal.comments.all(), reader).select_related("author")


def changes_of(proposal: Proposal) -> QuerySet[ProposalChange]:
    """The proposal's states and answers, the first first."""
    return proposal.changes.all()


def supporter_count(proposal: Proposal) -> int:
    """How many people support the proposal."""
    return proposal.supports.count()


def supported_by(proposal: Proposal, user: User) -> bool:
    """Whether the user supports the proposal."""
    return proposal.supports.filter(user=user).exists()


def proposals_it_may_repeat(proposal: Proposal, reader: User) -> QuerySet[Proposal]:
    """The other proposals of the proposal's unit, by title, that it may be marked as
    repeating: not those that repeat it, nor what is held back from the reader; at most 100."""
    return (
        not_held_from(Proposal.objects.all(), reader)
        .filter(organisation=proposal.organisation)
        .exclude(pk=proposal.pk)
        .exclude(duplicate_of=proposal)
        .order_by("title")[:100]
    )


def proposals_among(ids, units, reader: User) -> QuerySet[Proposal]:
    """Of the proposals with these ids, those of the units the reader may read (what a
    facilitator chose for a result)."""
    return not_held_from(Proposal.objects.filter(pk__in=ids, organisation_id__in=units), reader)


def accepted_proposals(units, reader: User) -> QuerySet[Proposal]:
    """The units' accepted proposals the reader may read: what a new result may come from."""
    accepted = Proposal.objects.filter(organisation_id__in=units, state=ProposalState.ACCEPTED)
    return not_held_from(accepted, reader)


# The network of representatives
def network_organisation(scope: ParticipationScope) -> Organisation | None:
    """The organisation whose network a facilitator invites to: the first they facilitate."""
    return Organisation.objects.filter(pk__in=scope.facilitates).order_by("pk").first()


def representatives_of(units, *, area: str = "", when: str = "") -> list[Representative]:
    """The active representatives of the networks of `units`, with their person and
    experience areas, by family and given name; only those with experience of `area`, or
    available `when` ("daytime", "evenings", "remote"), when given."""
    found = Representative.objects.filter(
        organisation_id__in=units, left_at__isnull=True
    ).select_related("user")
    if area:
        found = found.filter(areas__area=area)
    if when:
        found = found.filter(**{f"available_{when}": True})
    return list(found.prefetch_related("areas").order_by("user__family_name", "user__given_name"))


def network_health(units) -> list[dict]:
    """Per experience area: active representatives, those who may be contacted, and the
    last time one of them took part."""
    rows = (
        Representative.objects.filter(organisation_id__in=units, left_at__isnull=True)
        .values("areas__area")
        .annotate(
            active=Count("pk", distinct=True),
            contactable=Count("pk", filter=Q(may_contact=True), distinct=True),
            last=Max("last_involved_on"),
        )
    )
    by_area = {row["areas__area"]: row for row in rows}
    return [
        {
            "area": area.label,
            "active": by_area.get(area.value, {}).get("active", 0),
            "contactable": by_area.get(area.value, {}).get("contactable", 0),
            "last": by_area.get(area.value, {}).get("last"),
        }
        for area in ExperienceArea
    ]


def every_representative() -> QuerySet[Representative]:
    """Every representative, past and present: for get_representative_for to resolve one."""
    return Representative.objects.all()


def representative_of(user: User) -> Representative | None:
    """The user's own place in a network, or None (they never joined, or left)."""
    return Representative.objects.filter(user=user, left_at__isnull=True).first()


def areas_of(representative: Representative) -> list[str]:
    """The experience areas the representative has told of."""
    return list(representative.areas.values_list("area", flat=True))


def representatives_among(ids) -> QuerySet[Representative]:
    """The representatives with these ids, with their person: whom a facilitator chose to
    invite (the service turns away anyone outside their networks)."""
    return Representative.objects.filter(pk__in=ids).select_related("user")


def representatives_to_invite(units, *, besides) -> QuerySet[Representative]:
    """The active representatives of the networks of `units` who may be contacted, with
    their person and experience areas, but for those in `besides` (already invited)."""
    return (
        Representative.objects.filter(
            organisation_id__in=units, left_at__isnull=True, may_contact=True
        )
        .exclude(pk__in=besides)
        .select_related("user")
        .prefetch_related("areas")
    )


# Involvement activities
def activities_for(scope: ParticipationScope, user: User) -> QuerySet[Activity]:
    """The activities a facilitator runs, or those a representative is invited to; the
    latest first."""
    if scope.is_facilitator:
        activities = Activity.objects.filter(organisation_id__in=scope.answers_for)
    else:
        activities = Activity.objects.filter(participants__representative__user=user)
    return activities.distinct()


def every_activity() -> QuerySet[Activity]:
    """Every activity: for get_activity_for to resolve one."""
    return Activity.objects.all()


def participants_of(activity: Activity) -> list[ActivityParticipant]:
    """Everyone invited to the activity, with their person, in the order they were invited."""
    return list(activity.participants.select_related("representative__user").order_by("invited_at"))


def activities_among(ids, units) -> QuerySet[Activity]:
    """Of the activities with these ids, those of the units (what a facilitator chose for a
    result)."""
    return Activity.objects.filter(pk__in=ids, organisation_id__in=units)


def held_activities(units) -> QuerySet[Activity]:
    """The units' activities that were held, the latest first: what a new result may come
    from."""
    return Activity.objects.filter(organisation_id__in=units, status=ActivityStatus.HELD)


# "You said, we did"
def manager_choices(units) -> list[tuple[int, str]]:
    """The units' managers, who may be responsible for a result: id, and name or e-mail."""
    people = User.objects.filter(
        memberships__organisation_id__in=units, memberships__role=Role.UNIT_MANAGER
    ).distinct()
    return [(user.pk, user.full_name or user.email) for user in people]


def result_choices(units) -> list[tuple[str, str]]:
    """The units' results, as the larger result a new one may be part of: id and title."""
    return [
        (str(pk), title)
        for pk, title in Result.objects.filter(organisation_id__in=units).values_list("pk", "title")
    ]


def larger_result(pk) -> Result:
    """The result with this id, that a new one is part of (the form offered only the
    facilitator's own)."""
    return Result.objects.get(pk=pk)


def every_result() -> QuerySet[Result]:
    """Every result: for get_in_scope to resolve one."""
    return Result.objects.all()


def result_tree(units) -> list[Result]:
    """The units' results that stand on their own, each with its progress rolled up from
    its children (`rolled_up`) and its children (`child_list`) likewise, down the tree;
    with who is responsible, the unit, the timeline, proposals and activities."""
    results = list(
        Result.objects.filter(organisation_id__in=units)
        .select_related("responsible", "organisation")
        .prefetch_related("children", "timeline", "proposals", "activities")
    )
    by_pk = {r.pk: r for r in results}
    for result in results:
        result.rolled_up = rolled_up_progress(result)
        result.child_list = [by_pk[child.pk] for child in result.children.all()]
    return [r for r in results if r.parent_id is None]


def results_of(units) -> QuerySet[Result]:
    """The units' results, with who is responsible, their children, timeline and proposals
    (as the API lists them)."""
    return (
        Result.objects.filter(organisation_id__in=units)
        .select_related("responsible")
        .prefetch_related("children", "timeline", "proposals")
    )


# The impact report
def extract_as_of() -> date | None:
    """The day the insights extract runs up to, or None before its first refresh."""
    state = ExtractState.objects.first()
    return state.as_of if state else None

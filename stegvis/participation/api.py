"""Participation under /api/v1/participation: proposals (read, make, support, answer) and
"you said, we did", through the same scope as the pages."""

import uuid
from datetime import date, datetime

from ninja import Router, Schema, Status
from pydantic import Field

from stegvis.access.participation import get_in_scope, get_participation_scope
from stegvis.core.crisis_api import CRISIS_NOTE, CrisisLinesOut
from stegvis.core.errors import FieldErrors, Text
from stegvis.participation import selectors, services
from stegvis.participation.models import Proposal, ProposalState, author_shown_to

router = Router(tags=["participation"])


class ServiceProposalOut(CrisisLinesOut):
    id: uuid.UUID
    unit_id: int
    title: str
    body: str
    # "You" to the author; to anyone else only the author's kind ("A patient"), except the
    # unit's staff, who read the name when the author allowed it.
    author: str
    state: str
    answer: str
    answered_at: datetime | None
    supports: int
    duplicate_of: uuid.UUID | None
    created_at: datetime
    revision: int


class ServiceProposalIn(Schema):
    unit_id: int
    title: Text(150, 1)
    body: Text(4000, 1)
    # May the unit's staff read your name? Nobody else ever does.
    show_name_to_staff: bool = False


class ServiceProposalStateIn(Schema):
    state: ProposalState
    answer: Text(4000) = ""
    revision: int = Field(ge=1, le=2**31)


class ServiceProposalSupportIn(Schema):
    support: bool = True


def _shown(proposal: Proposal, reader, scope) -> dict:
    """A proposal as it is after a write: read again, with its supports counted."""
    return _proposal(
        selectors.proposals_with_support_counts(reader).get(pk=proposal.pk), reader, scope
    )


def _proposal(proposal: Proposal, reader, scope) -> dict:
    return {
        "id": proposal.pk,
        "unit_id": proposal.organisation_id,
        "title": proposal.title,
        "body": proposal.body,
        "author": author_shown_to(reader, scope, proposal),
        "state": proposal.state,
        "answer": proposal.answer,
        "answered_at": proposal.answered_at,
        "supports": proposal.support_count,
        "duplicate_of": proposal.duplicate_of_id,
        "created_at": proposal.created_at,
        "revision": proposal.revision,
    }


@router.get(
    "/participation/proposals",
    response=list[ServiceProposalOut],
    summary="Proposals of the units where you take part (newest first, withdrawn left out)",
)
def list_proposals(request, state: ProposalState | None = None):
    scope = get_participation_scope(request.user, object_type="proposal_list")
    found = selectors.proposals_for(scope, request.user, state=state)
    return [_proposal(p, request.user, scope) for p in found[:200]]


@router.post(
    "/participation/proposals",
    response={201: ServiceProposalOut},
    summary="Make a proposal to a unit where you take part",
    description=CRISIS_NOTE,
)
def create_proposal(request, payload: ServiceProposalIn):
    scope = get_participation_scope(request.user, object_type="proposal")
    if payload.unit_id not in scope.units:
        raise FieldErrors({"unit_id": ["Not a unit where you take part."]})
    proposal = services.proposal_create(
        actor=request.user,
        scope=scope,
        organisation_id=payload.unit_id,
        title=payload.title,
        body=payload.body,
        show_name_to_staff=payload.show_name_to_staff,
    )
    return Status(201, {**_shown(proposal, request.user, scope), "crisis": proposal.crisis})


@router.get(
    "/participation/proposals/{service_proposal_id}",
    response=ServiceProposalOut,
    summary="A proposal",
)
def get_proposal(request, service_proposal_id: str):
    proposal, scope = get_in_scope(
        request.user, selectors.proposals_with_support_counts(request.user),
        service_proposal_id,
        object_type="proposal",
    )  # fmt: skip
    return _proposal(proposal, request.user, scope)


@router.post(
    "/participation/proposals/{service_proposal_id}/state",
    response=ServiceProposalOut,
    summary="Move a proposal to a new state (accepting or rejecting needs the public answer)",
)
def move_proposal(request, service_proposal_id: str, payload: ServiceProposalStateIn):
    proposal, scope = get_in_scope(
        request.user, selectors.proposals_with_support_counts(request.user),
        service_proposal_id,
        object_type="proposal",
    )  # fmt: skip
    services.proposal_move(
        actor=request.user, scope=scope, proposal=proposal, revision=payload.revision,
        state=payload.state, answer=payload.answer,
    )  # fmt: skip
    return _shown(proposal, request.user, scope)


@router.post(
    "/participation/proposals/{service_proposal_id}/support",
    response=ServiceProposalOut,
    summary="Support a proposal, or take the support back (one per person)",
)
def support_proposal(request, service_proposal_id: str, payload: ServiceProposalSupportIn):
    proposal, scope = get_in_scope(
        request.user, selectors.proposals_with_support_counts(request.user),
        service_proposal_id,
        object_type="proposal",
    )  # fmt: skip
    services.proposal_support(actor=request.user, proposal=proposal, support=payload.support)
    return _shown(proposal, request.user, scope)


class ResultTimelineEntryOut(Schema):
    entry_date: date
    status: str
    progress: int
    description: str


class ParticipationResultOut(Schema):
    id: uuid.UUID
    unit_id: int
    parent_id: uuid.UUID | None
    title: str
    description: str
    status: str
    progress: int  # rolled up from the children, weighted, when it has any
    responsible: str
    proposal_ids: list[uuid.UUID]
    timeline: list[ResultTimelineEntryOut]


@router.get(
    "/participation/results",
    response=list[ParticipationResultOut],
    summary='"You said, we did": results of the units where you take part',
)
def list_results(request):
    scope = get_participation_scope(request.user, object_type="result_list")
    results = selectors.results_of(scope.units)
    return [
        {
            "id": r.pk,
            "unit_id": r.organisation_id,
            "parent_id": r.parent_id,
            "title": r.title,
            "description": r.description,
            "status": r.status,
            "progress": services.rolled_up_progress(r),
            "responsible": r.responsible.full_name or str(r.responsible),
            "proposal_ids": [p.pk for p in r.proposals.all()],
            "timeline": list(r.timeline.all()),
        }
        for r in results
    ]

"""The demo's participation at Vårdcentralen Solbacken: a facilitator's network of five
patient representatives, proposals in every state, a workshop held with minutes and a
reference group planned, and two results, one of them done and linked to the proposal it
came from."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from stegvis.access.participation import participation_scope
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import Role
from stegvis.participation import services
from stegvis.participation.models import (
    Proposal,
    ProposalSupport,
    Representative,
    RepresentativeArea,
    Result,
)

# (login, given, family, areas, languages, may be contacted)
REPRESENTATIVES = [
    ("representant", "Rosa", "Lind", ["long_term_pain", "unemployed"], "svenska", True),
    ("rep.omar", "Omar", "Said", ["depression", "new_to_sweden"], "arabiska, svenska", True),
    ("rep.gun", "Gun", "Ek", ["exhaustion", "relative"], "svenska", True),
    ("rep.li", "Li", "Chen", ["anxiety"], "svenska, English", True),
    ("rep.pekka", "Pekka", "Virtanen", ["long_term_pain", "self_employed"], "finska", False),
]
REPRESENTATIVE_LOGINS = {login for login, *_rest in REPRESENTATIVES}
# (author key, title, body, state, answer)
PROPOSALS = [
    ("sara", "Påminnelser på kvällen",
     "Jag orkar inte läsa något på morgonen. Kan påminnelserna komma på kvällen i stället?",
     "accepted", "Ja. Från mars kan du själv välja tid för dina påminnelser."),
    ("representant", "Kortare frågeformulär",
     "Formulären är långa när man har ont och är trött. Går det att dela upp dem?",
     "evaluating", ""),
    ("amira", "Tolk vid det första mötet",
     "Det första mötet med arbetsgivaren var svårt att förstå.", "not_answered", ""),
    ("rep.omar", "Chatt dygnet runt",
     "En chatt med personal dygnet runt.",
     "rejected", "Vi kan inte bemanna en chatt dygnet runt. Vid kris: ring 112 eller 1177."),
    ("johan", "Parkering vid entrén", "Fler parkeringsplatser nära entrén.", "withdrawn", ""),
]  # fmt: skip
# When each proposal was made and answered, in days before the demo's day: the evening
# reminders came before the workshop about them (40 days ago) and were accepted after it,
# and each proposal comes before the result made of it.
PROPOSAL_DAYS_AGO = {
    "Påminnelser på kvällen": (70, 38),
    "Kortare frågeformulär": (50, 30),
    "Tolk vid det första mötet": (20, None),
    "Chatt dygnet runt": (45, 25),
    "Parkering vid entrén": (35, 33),
}


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _date_proposals(proposals: dict, today: date) -> None:
    """Date each proposal, its answer and its supporters back (the services stamp today)."""
    for title, (made, answered) in PROPOSAL_DAYS_AGO.items():
        proposal = proposals[title]
        made_at = _at(today - timedelta(days=made), 19)
        Proposal.objects.filter(pk=proposal.pk).update(created_at=made_at)
        proposal.changes.filter(state="not_answered").update(at=made_at)
        ProposalSupport.objects.filter(proposal=proposal).update(
            created_at=_at(today - timedelta(days=made - 2), 20)
        )
        if answered is not None:
            answered_at = _at(today - timedelta(days=answered), 10)
            Proposal.objects.filter(pk=proposal.pk, answered_at__isnull=False).update(
                answered_at=answered_at
            )
            proposal.changes.exclude(state="not_answered").update(at=answered_at)


def load_participation(staff: dict[str, User], unit: Organisation, person, today: date) -> None:
    """`person(login, given, family)` makes (or finds) a demo user."""
    if Proposal.objects.filter(organisation=unit).exists():
        return
    facilitator = staff["facilitator"]
    people = {}
    for login, given, family, areas, languages, may_contact in REPRESENTATIVES:
        user = person(login, given, family)
        Membership.objects.get_or_create(
            user=user, organisation=unit, role=Role.PATIENT_REPRESENTATIVE
        )
        representative, _created = Representative.objects.get_or_create(
            user=user,
            defaults={
                "organisation": unit,
                "languages": languages,
                "available_daytime": True,
                "available_remote": login != "rep.gun",
                "may_contact": may_contact,
            },
        )
        for area in areas:
            RepresentativeArea.objects.get_or_create(representative=representative, area=area)
        people[login] = user
    scope = participation_scope(facilitator)
    proposals = {}
    for author_key, title, body, state, answer in PROPOSALS:
        author = people.get(author_key) or User.objects.get(email__startswith=f"{author_key}@")
        proposal = services.proposal_create(
            actor=author,
            scope=participation_scope(author),
            organisation_id=unit.pk,
            title=title,
            body=body,
            # The representatives let the facilitator see who they are; patients do not.
            show_name_to_staff=author_key in REPRESENTATIVE_LOGINS,
        )
        if state != "not_answered":
            # Only its author withdraws a proposal; the facilitator answers the others.
            mover = author if state == "withdrawn" else facilitator
            services.proposal_move(
                actor=mover,
                scope=participation_scope(mover),
                proposal=proposal,
                revision=proposal.revision,
                state=state,
                answer=answer,
            )
        proposals[title] = proposal
    for login in ("representant", "rep.gun", "rep.li"):
        services.proposal_support(
            actor=people[login], proposal=proposals["Kortare frågeformulär"], support=True
        )
    _date_proposals(proposals, today)
    held = services.activity_create(
        actor=facilitator, scope=scope, organisation_id=unit.pk, kind="workshop",
        title="Workshop: påminnelserna",
        purpose="Hur ska påminnelserna mellan besöken låta, och när ska de komma?",
        role_description=(
            "Ni berättar hur det är att få påminnelser när man är sjukskriven. Ni bestämmer "
            "inte tiderna, men allt ni säger skrivs ner och besvaras."
        ),
        preparation="Läs de tre påminnelserna i bilagan och tänk på när du helst vill få dem.",
        starts_at=_at(today - timedelta(days=40), 14), minutes_planned=120, place="Solbacken",
        proposals=[proposals["Påminnelser på kvällen"]],
    )  # fmt: skip
    invited = [people[login].representative for login in ("representant", "rep.omar", "rep.gun")]
    services.activity_invite(
        actor=facilitator,
        scope=scope,
        activity=held,
        representatives=invited,
    )
    services.activity_record(
        actor=facilitator, scope=scope, activity=held, revision=held.revision, status="held",
        minutes="Alla tre ville välja tid själva. Morgonpåminnelser kändes stressande.",
        decided="Patienten väljer själv tid för påminnelserna.",
        time_spent={p.pk: 120 for p in held.participants.all()},
    )  # fmt: skip
    planned = services.activity_create(
        actor=facilitator, scope=scope, organisation_id=unit.pk, kind="questionnaire_review",
        title="Referensgrupp: frågeformulären",
        purpose="Kan formulären bli kortare utan att tappa det viktiga?",
        role_description="Ni läser formulären och markerar det som är svårt eller tungt.",
        preparation="", starts_at=_at(today + timedelta(days=12), 10), minutes_planned=90,
        place="Video",
    )  # fmt: skip
    # Rosa and Li are invited and have not answered yet: Rosa's home asks her to.
    services.activity_invite(
        actor=facilitator,
        scope=scope,
        activity=planned,
        representatives=[people[login].representative for login in ("representant", "rep.li")],
    )
    manager = staff["chef"]
    reminders = services.result_create(
        actor=facilitator, scope=scope, organisation_id=unit.pk,
        title="Välj själv när påminnelserna kommer",
        description="Påminnelser mellan besöken kommer när patienten vill.",
        responsible=manager, proposals=[proposals["Påminnelser på kvällen"]], activities=[held],
        indicator="checkin_adherence", effective_on=today - timedelta(days=20),
        start_date=today - timedelta(days=35),
    )  # fmt: skip
    services.result_update(
        actor=facilitator, scope=scope, result=reminders, revision=reminders.revision,
        status="done", progress=100, description="Inställningen finns nu under Mitt konto.",
    )  # fmt: skip
    # Made when its work began, after the proposal and the workshop it came from.
    Result.objects.filter(pk=reminders.pk).update(created_at=_at(today - timedelta(days=36), 9))
    services.result_create(
        actor=facilitator, scope=scope, organisation_id=unit.pk,
        title="Kortare frågeformulär", description="Vi prövar att dela upp formulären.",
        responsible=manager, proposals=[proposals["Kortare frågeformulär"]],
        status="in_progress", progress=25,
    )  # fmt: skip

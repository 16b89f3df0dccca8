"""Who may take part in a thread, a meeting or a task: the professionals around the
patient who reach the data under the policy, and the record of sharing it with them."""

from collections.abc import Iterable

from stegvis.access.helpers import shared_with, who_may_be_offered
from stegvis.access.policy import Decision as AccessDecision
from stegvis.accounts.models import User
from stegvis.cases.models import Case
from stegvis.core.errors import NotAllowed
from stegvis.network.models import MemberStatus, NetworkMember


def _network_people(patient: User) -> list[User]:
    members = NetworkMember.objects.filter(
        patient=patient, status=MemberStatus.ACTIVE, user__isnull=False, user__is_active=True
    ).select_related("user")
    people = {m.user_id: m.user for m in members}
    for case in Case.objects.filter(patient=patient).select_related(
        "responsible_physician", "responsible_coordinator"
    ):
        for user in (case.responsible_physician, case.responsible_coordinator):
            if user is not None and user.is_active:
                people.setdefault(user.pk, user)
    people.pop(patient.pk, None)
    return list(people.values())


def candidates(patient: User, category: str) -> list[tuple[User, AccessDecision]]:
    """The professionals around the patient who reach `category` under the policy now:
    the network with a consent for it, and the case's responsible people."""
    found = who_may_be_offered(_network_people(patient), patient, category)
    return sorted(found, key=lambda pair: str(pair[0]))


def admitted(patient: User, people: Iterable[User], category: str, *, obj) -> dict:
    """Each person's allowing decision, recorded as sharing `obj` with them; NotAllowed
    naming everyone who is not let in (the caller's transaction then undoes `obj`)."""
    people = list(people)
    decisions = shared_with(
        people, patient, category, object_type=obj._meta.model_name, object_id=obj.pk
    )
    refused = [str(user) for user in people if not decisions[user.pk].allowed]
    if refused:
        raise NotAllowed(", ".join(refused), names=refused)
    return {user.pk: (user, decisions[user.pk]) for user in people}

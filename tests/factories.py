import factory
from allauth.mfa.models import Authenticator

from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.cases.models import Case

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Vårdcentral {n}")
    kind = OrganisationKind.CARE_UNIT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def member(user: User, organisation: Organisation, role: str, *, mfa: bool = True) -> User:
    Membership.objects.create(user=user, organisation=organisation, role=role)
    if mfa and role not in (Role.PATIENT, Role.PATIENT_REPRESENTATIVE):
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "A"})
    return user


def patient_at(organisation: Organisation, **fields) -> User:
    patient = member(UserFactory(**fields), organisation, Role.PATIENT)
    Case.objects.create(patient=patient, organisation=organisation)
    return patient


def representative_at(organisation: Organisation, **fields) -> User:
    """A patient representative in the network of `organisation`, with a profile."""
    from stegvis.participation.models import Representative, RepresentativeArea

    user = member(UserFactory(**fields), organisation, Role.PATIENT_REPRESENTATIVE)
    representative = Representative.objects.create(user=user, organisation=organisation)
    RepresentativeArea.objects.create(representative=representative, area="long_term_pain")
    return user

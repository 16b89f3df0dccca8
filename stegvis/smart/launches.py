"""Which patient an app works with: the patient themselves for a patient's app (a standalone
launch), the patient of a launch from their page for a staff app (an EHR launch). Each is
decided by the access policy, and recorded, as the person opens the consent screen."""

from django.http import Http404
from django.utils.translation import gettext as _
from oauth2_provider.models import Application

from stegvis.access.categories import Category
from stegvis.access.helpers import get_patient_for, get_self_for
from stegvis.core.errors import NotAllowed
from stegvis.smart.models import AppKind, Launch


def application(client_id: str) -> Application | None:
    return (
        Application.objects.select_related("registration").filter(client_id=client_id).first()
        if client_id
        else None
    )


def patient_for(user, app: Application, scope_text: str, launch_id: str):
    """The patient `app` will work with for `user`, or why there is none (a sentence)."""
    registration = getattr(app, "registration", None)
    if registration is None:
        return _("The app is not registered for SMART on FHIR.")
    asked = set(scope_text.split())
    try:
        if registration.kind == AppKind.PATIENT:
            if "launch" in asked:
                return _("A patient's app is opened by the patient, not from a record.")
            return get_self_for(user, category=Category.IDENTITY, object_type="smart_app")
        launch = Launch.objects.filter(pk=launch_id, user=user, application=app).first()
        if "launch" not in asked or launch is None or not launch.is_current:
            return _("Open this app from the patient's page in Stegvis.")
        return get_patient_for(user, launch.patient_id, category=Category.IDENTITY,
                               object_type="smart_launch")  # fmt: skip
    except (Http404, NotAllowed):
        return _("You cannot open this patient's record.")


def start(user, app: Application, patient) -> Launch:
    """`user` opens `app` with `patient` (whom they have just been let see)."""
    return Launch.objects.create(user=user, application=app, patient=patient)

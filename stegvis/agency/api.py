"""Agency messages under /api/v1/: a certificate as its agency's XML, and certificates
other systems issued, taken in."""

from typing import Literal

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from stegvis.accounts.api_auth import LAST_USED_RESOLUTION
from stegvis.agency import importing, services
from stegvis.agency.models import UnitIntegration
from stegvis.core.errors import ApiError

router = Router(tags=["agency messages"])


@router.get(
    "/certificates/{certificate_id}/message",
    summary="A signed certificate as its agency's message (application/xml)",
    description=(
        "`lisjp`: Försäkringskassan's RegisterCertificate; `ag7804`: the employer's copy, with "
        "no diagnosis; `sm2013`: Nav's sykmelding in MsgHead. Without `format`, the "
        "certificate's own agency's. Each message passes the agency's XSD (and, for LISJP "
        "and AG 7804, every Schematron rule) before it is given."
    ),
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The message, as its agency receives it.",
                "content": {"application/xml": {"schema": {"type": "string"}}},
            }
        }
    },
)
def certificate_message(
    request, certificate_id: str, format: Literal["lisjp", "ag7804", "sm2013"] | None = None
):
    try:
        message = services.export(request.user, certificate_id, format)
    except services.NotExportable as refused:
        raise ApiError(422, refused.code, refused.message) from None
    return HttpResponse(message, content_type="application/xml; charset=utf-8")


XML_TYPES = ("application/xml", "text/xml")


class IntegrationAuth(HttpBearer):
    """A unit's integration token (`stegvis agency integration`): it speaks for one unit's
    record system, and only here."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        integration = UnitIntegration.usable(token)
        if integration is None:
            return None
        now = timezone.now()
        last = integration.last_used_at
        if last is None or now - last > LAST_USED_RESOLUTION:
            UnitIntegration.objects.filter(pk=integration.pk).update(last_used_at=now)
        return integration


class ReceivedOut(Schema):
    accepted: bool
    case: str
    certificate: str
    already_received: bool


@router.post(
    "/agency/messages",
    auth=IntegrationAuth(),
    summary="Take in a certificate another system issued (application/xml)",
    description=(
        "A LISJP `RegisterCertificate` (a Swedish unit) or an SM2013 sykmelding in MsgHead "
        "(a Norwegian unit), sent by the unit's record system with its integration token. "
        "Checked against the agency's XSD (and, for LISJP, every Schematron rule), the "
        "identity number's check digit, the unit the message names and the patient's "
        "registration at the unit; a refusal writes nothing and names each rule broken. "
        "201 when taken in, 200 when the same message was taken in before."
    ),
    response={200: ReceivedOut, 201: ReceivedOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string"}}},
        },
        "responses": {
            415: {
                "description": "The body is not sent as application/xml (or text/xml).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
    },
)
def receive_message(request):
    if request.content_type not in XML_TYPES:
        return JsonResponse(
            {"code": "unsupported_media_type", "message": "Send the message as application/xml."},
            status=415,
        )
    received = importing.receive(request.auth.organisation, request.body, via=request.auth.name)
    if not received.accepted:
        return JsonResponse(
            {
                "code": "refused",
                "message": "; ".join(f"{p.rule}: {p.message}" for p in received.refused),
                "refused": [p.as_dict() for p in received.refused],
            },
            status=422,
        )
    return Status(200 if received.already_received else 201, received.as_dict())

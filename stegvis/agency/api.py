"""Agency messages under /api/v1/: a certificate as its agency's XML."""

from typing import Literal

from django.http import HttpResponse
from ninja import Router

from stegvis.agency import services
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

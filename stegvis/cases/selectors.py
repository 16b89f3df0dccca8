"""Reads of a case's certificates, for a certificate the reader has already resolved."""

from django.db.models import QuerySet

from stegvis.cases.models import Certificate


def versions_of(certificate: Certificate) -> QuerySet[Certificate]:
    """Every version of the certificate's series, the first first."""
    return Certificate.objects.filter(series=certificate.series).order_by("version")

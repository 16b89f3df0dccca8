from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "stegvis.agency"
    verbose_name = "Agency messages"

    def ready(self):
        from stegvis.agency import sending
        from stegvis.cases.signals import certificate_signed
        from stegvis.notifications import outbox
        from stegvis.notifications.models import OutboxKind

        # A signed certificate goes to its agency through the one delivery pipeline; the
        # agency registers a certificate id once, so an interrupted send may be repeated.
        certificate_signed.connect(sending.queue_on_signing, dispatch_uid="agency_queue")
        outbox.SENDERS[OutboxKind.AGENCY_MESSAGE] = sending.send
        outbox.RESENDABLE_KINDS.add(OutboxKind.AGENCY_MESSAGE)

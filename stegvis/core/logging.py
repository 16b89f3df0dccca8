import logging
import re

# Swedish personnummer/samordningsnummer (10 or 12 digits, optional separator) and
# Norwegian fødselsnummer (11 digits). Masking an innocent number is the lesser harm.
_NATIONAL_ID = re.compile(r"(?<!\d)(?:\d{6}|\d{8})[-+]?\d{4}(?!\d)|(?<!\d)\d{11}(?!\d)")


def redact(text: str) -> str:
    return _NATIONAL_ID.sub("[id]", text)


class RedactNationalIdFilter(logging.Filter):
    """Keeps national identity numbers out of every log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True

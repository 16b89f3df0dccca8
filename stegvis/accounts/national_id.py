"""National identity numbers: validation, encryption at rest and a keyed look-up hash.

A Swedish personnummer/samordningsnummer or a Norwegian fødselsnummer/D-nummer identifies a
person for life. It is stored only encrypted (Fernet), with an HMAC beside it so that a
person can be found by number without decrypting every row. It never appears in a URL, a log
line (see stegvis.core.logging) or an e-mail.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class NationalId:
    country: str  # "SE" or "NO"
    number: str  # normalised: SE 12 digits (YYYYMMDDNNNC), NO 11 digits

    @property
    def legal_sex(self) -> str:
        """ "female" or "male", as the number records it: odd for men in the next-to-last
        digit of a personnummer (Skatteverket), in the ninth of a fødselsnummer (Skatteetaten)."""
        digit = int(self.number[10] if self.country == "SE" else self.number[8])
        return "male" if digit % 2 else "female"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 - index % 2)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _norwegian_check_ok(digits: str) -> bool:
    weights_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    weights_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    for weights, position in ((weights_1, 9), (weights_2, 10)):
        remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
        check = 0 if remainder == 0 else 11 - remainder
        if check == 10 or check != int(digits[position]):
            return False
    return True


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def parse_swedish(raw: str, *, today: date | None = None) -> NationalId:
    text = raw.strip()
    match = re.fullmatch(r"(\d{2})?(\d{6})([-+]?)(\d{4})", text)
    if not match:
        raise ValidationError(_("Enter a personal identity number as YYYYMMDD-NNNN."))
    century, short, separator, last = match.groups()
    today = today or date.today()
    if century is None:
        # Ten digits: "+" marks a person aged 100 or more (Skatteverket's rule).
        year2 = int(short[:2])
        year = 2000 + year2 if 2000 + year2 <= today.year else 1900 + year2
        if separator == "+":
            year -= 100
        century = str(year // 100)
    month, day = int(short[2:4]), int(short[4:6])
    # A samordningsnummer adds 60 to the day of birth.
    birth_day = day - 60 if day > 60 else day
    if not _valid_date(int(century + short[:2]), month, birth_day):
        raise ValidationError(_("The date in the personal identity number is not valid."))
    if not _luhn_ok(short + last):
        raise ValidationError(_("The personal identity number has a wrong check digit."))
    return NationalId("SE", century + short + last)


def parse_norwegian(raw: str) -> NationalId:
    digits = re.sub(r"\s", "", raw)
    if not re.fullmatch(r"\d{11}", digits):
        raise ValidationError(_("Enter a national identity number of 11 digits."))
    if not _norwegian_check_ok(digits):
        raise ValidationError(_("The national identity number has a wrong check digit."))
    return NationalId("NO", digits)


def parse(raw: str, country: str) -> NationalId:
    return parse_norwegian(raw) if country == "NO" else parse_swedish(raw)


def derived_key(info: bytes) -> bytes:
    master = (settings.STEGVIS_DATA_KEY or settings.SECRET_KEY).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(b"stegvis national id encryption")))


def encrypt(national_id: NationalId) -> str:
    return _fernet().encrypt(f"{national_id.country}:{national_id.number}".encode()).decode()


def decrypt(token: str) -> NationalId:
    country, number = _fernet().decrypt(token.encode()).decode().split(":", 1)
    return NationalId(country, number)


def lookup_hash(national_id: NationalId) -> str:
    key = derived_key(b"stegvis national id lookup")
    message = f"{national_id.country}:{national_id.number}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()

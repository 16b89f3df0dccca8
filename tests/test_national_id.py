"""National identity numbers: validation, encryption, look-up, never in logs."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from stegvis.accounts import national_id
from stegvis.accounts.models import User
from stegvis.core.logging import RedactNationalIdFilter


def _with_luhn(nine: str) -> str:
    for check in "0123456789":
        if national_id._luhn_ok(nine + check):
            return nine + check
    raise AssertionError


@pytest.mark.parametrize("raw", ["19121212-1212", "191212121212", "121212-1212", "121212+1212"])
def test_swedish_forms_normalise_to_twelve_digits(raw):
    assert national_id.parse_swedish(raw).number.endswith("1212121212")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("19121212-1213", "check digit"), ("19121312-1212", "date"), ("abc", "YYYYMMDD")],
)
def test_invalid_swedish_numbers_say_why(raw, problem):
    with translation.override("en"), pytest.raises(ValidationError, match=problem):
        national_id.parse_swedish(raw)


def test_norwegian_numbers_are_checked_with_both_control_digits():
    # A widely used example number; changing either control digit must fail.
    assert national_id.parse_norwegian("150765 00565").number == "15076500565"
    for wrong in ("15076500566", "15076500575"):
        with pytest.raises(ValidationError):
            national_id.parse_norwegian(wrong)


@given(
    year=st.integers(1900, 2025),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    serial=st.integers(0, 999),
)
def test_any_valid_number_round_trips_through_encryption(year, month, day, serial):
    digits = _with_luhn(f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}")
    raw = f"{year}{month:02d}{day:02d}-{digits[6:]}"
    parsed = national_id.parse_swedish(raw)
    token = national_id.encrypt(parsed)
    assert parsed.number not in token
    assert national_id.decrypt(token) == parsed
    assert national_id.lookup_hash(parsed) == national_id.lookup_hash(
        national_id.parse_swedish(raw.replace("-", ""))
    )


def test_a_person_is_found_by_number_without_storing_it_in_clear(db):
    user = User.objects.create_user("tolvan@example.org", "x" * 12)
    user.set_national_id("19121212-1212")
    user.save()
    stored = User.objects.filter(pk=user.pk).values_list(
        "national_id_encrypted", "national_id_hash"
    )[0]
    assert all("1212121212" not in value for value in stored)
    assert User.objects.get_by_national_id("191212121212", "SE") == user
    assert user.get_national_id().number == "191212121212"


def test_log_lines_never_carry_a_national_id(caplog):
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "lookup %s ok", ("19121212-1212",), None
    )
    RedactNationalIdFilter().filter(record)
    assert "1212" not in record.getMessage()
    assert "[id]" in record.getMessage()

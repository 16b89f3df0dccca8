"""Choosing between the Swedish and English text that data files carry side by side."""

from django.utils.translation import get_language


def in_reader_language(sv: str, en: str) -> str:
    """The text in the active language; Swedish unless the reader chose English."""
    return en if (get_language() or "sv").startswith("en") else sv

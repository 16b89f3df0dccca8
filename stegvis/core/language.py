"""Choosing among the texts that data files carry side by side: Swedish, English and
Norwegian bokmål."""

from django.utils.translation import get_language


def in_reader_language(sv: str, en: str, nb: str = "") -> str:
    """The text in the active language: Swedish unless the reader chose English or bokmål.
    A text not yet written in bokmål is shown in English: a Norwegian reader is not given
    Swedish as if it were their language (and an instrument's validated wording is kept)."""
    language = (get_language() or "sv")[:2]
    if language == "nb":
        return nb or en
    return en if language == "en" else sv

"""Choosing among the texts that data files carry side by side: Swedish, English and
Norwegian bokmål."""

from functools import wraps

from django.conf import settings
from django.utils.translation import get_language, override


def in_reader_language(sv: str, en: str, nb: str = "") -> str:
    """The text in the active language: Swedish unless the reader chose English or bokmål.
    A text not yet written in bokmål is shown in English: a Norwegian reader is not given
    Swedish as if it were their language (and an instrument's validated wording is kept)."""
    language = (get_language() or "sv")[:2]
    if language == "nb":
        return nb or en
    return en if language == "en" else sv


def in_language_asked(view):
    """A page that holds no one's data, in the language its address asks for (`?lang=nb`):
    the app keeps one copy per language of each such page, to show offline in the
    language the person last read Stegvis in (portal/app.py)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        asked = request.GET.get("lang", "")
        if asked not in dict(settings.LANGUAGES):
            return view(request, *args, **kwargs)
        with override(asked):
            request.LANGUAGE_CODE = asked
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = asked
        return response

    return wrapper

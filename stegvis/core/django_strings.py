"""Strings that Django and allauth show on Stegvis's pages but ship without a Swedish
translation. Naming them here puts them in Stegvis's own catalogue, which Django reads
before its own (LOCALE_PATHS), so they appear in Swedish too."""

from django.utils.translation import gettext_noop

UNTRANSLATED_UPSTREAM = [
    # django.db.models.fields.BLANK_CHOICE_LABEL, new in Django 6.1.
    gettext_noop("- Select an option -"),
]

"""`stegvis score CODE < answers.json`: score answers with an instrument's rule.

Prints {"instrument", "total", "band", "flags"} as JSON; exits 1 naming each wrong item,
2 for an unknown instrument or unreadable input.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from stegvis.instruments.definitions import instrument, instruments
from stegvis.instruments.scoring import AnswerErrors, score


class Command(BaseCommand):
    help = "Score answers (JSON on standard input) with an instrument, e.g. phq9."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("code", help="One of: " + ", ".join(instruments()))

    def handle(self, *args, code: str, **options):
        definition = instrument(code)
        if definition is None:
            raise CommandError(f"No instrument {code!r}; one of: {', '.join(instruments())}.", 2)
        try:
            answers = json.load(sys.stdin)
        except ValueError as error:
            raise CommandError(f"The answers are not JSON: {error}", 2) from None
        try:
            result = score(definition, answers)
        except AnswerErrors as errors:
            for item, why in errors.errors.items():
                self.stderr.write(f"item {item}: {why}")
            raise CommandError("The answers cannot be scored.", 1) from None
        self.stdout.write(json.dumps(result.as_dict()))

"""`stegvis timeline < input.json`: the deadline calculator on the command line.

Reads one JSON object (jurisdiction, employment, periods, expected_days, and optionally
expectation_known and birth_date) and prints the milestones as a JSON list. Stores nothing.
Bad input prints each error with its field and exits non-zero.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from pydantic import ValidationError

from stegvis.cases.deadlines import milestones
from stegvis.cases.timeline_input import TimelineIn, error_lines


class Command(BaseCommand):
    help = "Print the milestones of a sick-leave timeline read as JSON from standard input."

    def handle(self, *args, **options):
        raw = sys.stdin.read()
        try:
            request = TimelineIn.model_validate_json(raw)
        except ValidationError as error:
            raise CommandError("\n".join(error_lines(error.errors()))) from None
        result = [milestone.as_dict() for milestone in milestones(request.to_input())]
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

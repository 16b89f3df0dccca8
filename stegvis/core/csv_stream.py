"""CSV: written row by row into a streaming response, without holding the file in memory,
or as one attachment whose numbers are never localised (a decimal point, no grouping)."""

import csv
from itertools import chain

from django.http import HttpResponse


class _Echo:
    """A file whose write() returns what it was given, for csv.writer."""

    def write(self, value):
        return value


def csv_lines(rows):
    """Each row as one line of CSV."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def csv_response(name: str, header: list[str], rows) -> HttpResponse:
    """`rows` under `header` as the attachment `name`.csv."""
    lines = csv_lines(chain([header], ([_number(value) for value in row] for row in rows)))
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response

"""`stegvis worker`: runs background tasks from the database queue (django-tasks-db),
and enqueues the periodic jobs (deadline scan, audit check) when they are due.

Start as many as needed, on any machine that reaches the database; on PostgreSQL they
claim tasks with SKIP LOCKED, and periodic jobs with a conditional update, so nothing
runs twice.
"""

import threading

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from stegvis.core.scheduler import start_in_background
from stegvis.portal.jobs import SCHEDULE


class Command(DatabaseWorkerCommand):
    help = "Run the background worker (tasks queued in the database, periodic jobs)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Only run queued tasks; do not enqueue periodic jobs.",
        )

    def handle(self, *args, no_schedule: bool = False, **options):
        stop = threading.Event()
        if not no_schedule:
            start_in_background(stop, SCHEDULE)
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()

"""`stegvis worker`: runs background tasks from the database queue (django-tasks-db).

Start as many as needed, on any machine that reaches the database; on PostgreSQL they
claim tasks with SKIP LOCKED, so no task runs twice.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run the background worker (tasks queued in the database)."

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(using="default", **kwargs):
    # The database cache (the default, shared by every process) needs its table; `migrate`
    # makes it, so a fresh machine needs no extra step. Other backends ignore this.
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "stegvis.core"

    def ready(self):
        post_migrate.connect(_create_cache_table, sender=self)

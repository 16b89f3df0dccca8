from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule


class AccessConfig(AppConfig):
    name = "stegvis.access"

    def ready(self):
        # Each app's rules (stegvis.access.rules) are declared when its `rules` module is
        # imported; import them all now, so the table is whole before the first request.
        for config in apps.get_app_configs():
            if config.name.startswith("stegvis.") and module_has_submodule(config.module, "rules"):
                import_module(f"{config.name}.rules")

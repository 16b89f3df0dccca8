from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "stegvis.accounts"

    def ready(self) -> None:
        from stegvis.accounts import checks, signals  # noqa: F401

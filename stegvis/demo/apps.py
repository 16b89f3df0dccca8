from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo's people and the synthetic region (`stegvis demo`, `stegvis synth`): data for
    trying Stegvis and measuring it, which no product code imports."""

    name = "stegvis.demo"
    verbose_name = "Demo and synthetic data"

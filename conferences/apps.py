from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferencesConfig(AppConfig):
    name = "conferences"
    verbose_name = _("Hội nghị và đối thoại")

    def ready(self) -> None:
        # The report facts follow every write they depend on, in the same transaction:
        # unit and tree changes arrive through units.signals.units_changed (units cannot
        # import this app), records and rules through their model signals.
        from conferences.facts import signals

        signals.connect()

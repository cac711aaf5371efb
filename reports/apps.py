from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self) -> None:
        # Closed periods freeze records and refuse tree changes that would alter them;
        # the apps below learn of it through their hooks, not by importing reports.
        from conferences import permissions
        from reports import closing
        from units import regrouping

        if closing.is_frozen not in permissions.FREEZE_CHECKS:
            permissions.FREEZE_CHECKS.append(closing.is_frozen)
        if closing.refuse_if_closed not in regrouping.CHANGE_GUARDS:
            regrouping.CHANGE_GUARDS.append(closing.refuse_if_closed)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Tổ chức và đơn vị")

    def ready(self) -> None:
        from units import signals  # noqa: F401  (connects the post_save that announces units)

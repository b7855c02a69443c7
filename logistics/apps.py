from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("后勤管理")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from . import (
            staff_reports,  # noqa: F401  (registers the certificate report)
            usercache,
        )
        from .celery import ensure_filesystem_broker_dirs

        # Each app declares its month-end sheets in reports.py; import them so the registry is full.
        autodiscover_modules("reports")
        ensure_filesystem_broker_dirs()
        usercache.connect_signals()

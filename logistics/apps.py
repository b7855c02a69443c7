from django.utils.translation import gettext_lazy as _

from . import registry


class LogisticsConfig(registry.DomainApp):
    name = "logistics"
    verbose_name = _("后勤管理")
    # logistics.reports is the report framework itself, and logistics.urls the root URLconf
    hook_modules = {"reports": None, "urls": None}

    def ready(self):
        super().ready()
        from . import (
            staff_reports,  # noqa: F401  (registers the certificate report)
            usercache,
        )
        from .celery import ensure_filesystem_broker_dirs

        ensure_filesystem_broker_dirs()
        usercache.connect_signals()

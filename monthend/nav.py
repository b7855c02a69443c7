from django.utils.translation import gettext_lazy as _

from logistics.navigation import NavItem, NavSection

SECTION = NavSection(
    _("月报与行事历"),
    [
        NavItem(_("各校概览"), "monthend:bureau", "monthend.bureau"),
        NavItem(_("月报"), "monthend:pack_list", "monthend.view"),
        NavItem(_("行事历任务"), "monthend:task_list", "duties.view"),
        NavItem(_("行事历"), "monthend:duty_list", "duties.view"),
    ],
    order=20,  # right after 学校管理, as before it became its own app
)

from django.utils.translation import gettext_lazy as _

from logistics.navigation import NavItem, NavSection

SECTION = NavSection(
    _("安全"),
    [
        NavItem(_("安全概览"), "safety:home", "safety.view"),
        NavItem(_("安全检查"), "safety:inspection_list", "safety.view"),
        NavItem(_("隐患台账"), "safety:hazard_list", "safety.view"),
        NavItem(_("应急演练"), "safety:drill_list", "safety.view"),
        NavItem(_("来访登记"), "safety:visitor_list", "visitors.view"),
        NavItem(_("接送异常"), "safety:pickup_list", "visitors.view"),
        NavItem(_("消防器材"), "safety:equipment_list", "safety.view"),
        NavItem(_("消防自检"), "safety:selfcheck_list", "safety.view"),
        NavItem(_("防火检查"), "safety:fire_check_list", "safety.view"),
        NavItem(_("危险品"), "safety:hazmat_list", "safety.view"),
        NavItem(_("值班安排"), "safety:duty_list", "safety.view"),
        NavItem(_("安全教育"), "safety:education_list", "safety.view"),
        NavItem(_("检查表模板"), "safety:template_list", "safety.manage"),
        NavItem(_("安全设置"), "safety:settings", "safety.manage"),
    ],
)

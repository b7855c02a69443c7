from django.utils.translation import gettext_lazy as _

from logistics.navigation import NavItem, NavSection

SECTIONS = [
    NavSection(
        _("卫生保健"),
        [
            NavItem(_("今日晨午检"), "hygiene:health_today", "hygiene.view"),
            NavItem(_("因病缺勤"), "hygiene:absence_list", "hygiene.view"),
            NavItem(_("传染病追踪"), "hygiene:case_list", "hygiene.view"),
            NavItem(_("出勤统计"), "hygiene:attendance", "hygiene.view"),
            NavItem(_("卫生检查"), "hygiene:inspection_list", "hygiene.view"),
            NavItem(_("整改问题"), "hygiene:problem_list", "hygiene.view"),
            NavItem(_("卫生评比"), "hygiene:ranking", "hygiene.view"),
            NavItem(_("消毒记录"), "hygiene:disinfection_list", "hygiene.view"),
            NavItem(_("幼儿名单"), "hygiene:child_list", "health.manage"),
            NavItem(_("卫生保健设置"), "hygiene:settings", "hygiene.manage"),
        ],
    ),
    NavSection(
        _("绿化与节能"),
        [
            NavItem(_("绿化养护任务"), "hygiene:task_list", "hygiene.view"),
            NavItem(_("水电气抄表"), "hygiene:meter_list", "utilities.view"),
        ],
    ),
]

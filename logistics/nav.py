from django.utils.translation import gettext_lazy as _

from .navigation import NavItem, NavSection

SECTION = NavSection(
    _("学校管理"),
    [
        NavItem(_("校区"), "org:campus_list", "org.view"),
        NavItem(_("房间"), "org:room_list", "org.view"),
        NavItem(_("部门"), "org:department_list", "org.view"),
        NavItem(_("成员"), "org:member_list", "org.manage"),
        NavItem(_("员工档案"), "org:staff_list", "staff.view"),
        NavItem(_("证件到期"), "org:certificates_expiring", "staff.view"),
        NavItem(_("报表"), "reports:index", "reports.view"),
    ],
    order=10,
)

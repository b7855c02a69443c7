from django.utils.translation import gettext_lazy as _

from logistics.navigation import NavItem, NavSection

SECTION = NavSection(
    _("财务审批"),
    [
        NavItem(_("待我审批"), "finance:approvals", "finance.approve"),
        NavItem(_("请购单"), "finance:request_list", "finance.request"),
        NavItem(_("报销单"), "finance:reimbursement_list", "finance.request"),
        NavItem(_("借款"), "finance:loan_list", "finance.request"),
        NavItem(_("预算执行"), "finance:budget", "finance.view"),
        NavItem(_("收入登记"), "finance:income_list", "finance.manage"),
        NavItem(_("月度收支"), "finance:statement_list", "finance.view"),
        NavItem(_("财务公开"), "finance:disclosure", "finance.disclosure"),
        NavItem(_("财务设置"), "finance:settings", "finance.settings"),
    ],
)

from django.utils.translation import gettext_lazy as _

from logistics.navigation import NavItem, NavSection

SECTION = NavSection(
    _("校产与报修"),
    [
        NavItem(_("我要报修"), "assets:repair_create", "repairs.raise"),
        NavItem(_("报修单"), "assets:repair_list", "repairs.view"),
        NavItem(_("固定资产"), "assets:asset_list", "assets.view"),
        NavItem(_("房间财产登记表"), "assets:room_index", "assets.view"),
        NavItem(_("借用"), "assets:loan_list", "assets.manage"),
        NavItem(_("报废/转让审批"), "assets:disposal_list", "assets.manage"),
        NavItem(_("盘点"), "assets:stocktake_list", "assets.view"),
        NavItem(_("月度结账"), "assets:reconciliation_list", "assets.view"),
        NavItem(_("损坏赔偿"), "assets:damage_list", "assets.view"),
        NavItem(_("行政仓库"), "assets:store_list", "stores.view"),
        NavItem(_("维护计划"), "assets:maintenance_list", "repairs.manage"),
        NavItem(_("资产交接"), "assets:handover", "assets.manage"),
        NavItem(_("资产分类"), "assets:category_list", "assets.manage"),
        NavItem(_("Excel 导入"), "assets:import", "assets.manage"),
        NavItem(_("资产设置"), "assets:settings", "assets.manage"),
    ],
)

from django.utils.translation import gettext_lazy as _

from logistics.navigation import NavItem, NavSection

SECTION = NavSection(
    _("食堂"),
    [
        NavItem(_("今日留样"), "canteen:sample_today", "canteen.record"),
        NavItem(_("留样记录"), "canteen:sample_list", "canteen.view"),
        NavItem(_("每周食谱"), "canteen:menu_list", "canteen.view"),
        NavItem(_("营养分析"), "canteen:nutrition", "canteen.view"),
        NavItem(_("进货查验"), "canteen:delivery_list", "canteen.record"),
        NavItem(_("供应商"), "canteen:supplier_list", "canteen.record"),
        NavItem(_("食品仓库"), "canteen:pantry", "canteen.record"),
        NavItem(_("伙食账目"), "canteen:account_month", "canteen.accounts"),
        NavItem(_("从业人员晨检"), "canteen:morning_checks", "canteen.view"),
        NavItem(_("餐具消毒"), "canteen:disinfection_list", "canteen.view"),
        NavItem(_("餐厨废弃物"), "canteen:waste_list", "canteen.view"),
        NavItem(_("陪餐记录"), "canteen:dining_list", "canteen.view"),
        NavItem(_("满意度测评"), "canteen:survey_list", "canteen.view"),
        NavItem(_("食堂设置"), "canteen:settings", "canteen.settings"),
    ],
)

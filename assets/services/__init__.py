"""Every write of the assets app (DESIGN.md rule 3), by aggregate; reads are in assets/selectors.py
and the transition tables in assets/workflows.py.

- registry: codes, categories, registering assets (by hand, Excel import, finance's purchase)
- movements: 领用, 借用/归还, 调拨, 交接
- disposals: 报废/转让 and the principal's decision
- repairs: 报修 to 验收, overdue reminders, maintenance tasks
- stocktakes: 盘点, room lists (物表一致), the monthly reconciliation
- stores: 行政仓库 in, out and counted
- damage: 公物损坏赔偿

Public functions other apps call (finance's acceptance): `fixed_asset_threshold`,
`assets_register_from_purchase`, `stores_stock_in`. `from assets import services; services.x(...)`
reaches every service below.
"""

from ..selectors import fixed_asset_threshold
from .damage import damage_record, damage_settle
from .disposals import asset_request_disposal, disposal_approve, disposal_reject
from .movements import (
    asset_issue,
    asset_lend,
    asset_transfer,
    assets_handover,
    loan_return,
    loans_notify_overdue,
)
from .registry import (
    MAX_UNITS_PER_REGISTRATION,
    asset_register,
    assets_bulk_register,
    assets_register_from_purchase,
    default_category,
    ensure_standard_categories,
    next_codes,
)
from .repairs import (
    DEADLINES,
    maintenance_generate,
    maintenance_task_done,
    repair_accept,
    repair_assign,
    repair_complete,
    repair_raise,
    repair_send_back,
    repairs_notify_overdue,
)
from .stocktakes import (
    reconcile_month,
    room_list_confirm,
    stocktake_close,
    stocktake_open,
    stocktake_scan,
    stocktake_submit,
)
from .stores import stores_count, stores_issue, stores_item_create, stores_stock_in

__all__ = [
    "DEADLINES",
    "MAX_UNITS_PER_REGISTRATION",
    "asset_issue",
    "asset_lend",
    "asset_register",
    "asset_request_disposal",
    "asset_transfer",
    "assets_bulk_register",
    "assets_handover",
    "assets_register_from_purchase",
    "damage_record",
    "damage_settle",
    "default_category",
    "disposal_approve",
    "disposal_reject",
    "ensure_standard_categories",
    "fixed_asset_threshold",
    "loan_return",
    "loans_notify_overdue",
    "maintenance_generate",
    "maintenance_task_done",
    "next_codes",
    "reconcile_month",
    "repair_accept",
    "repair_assign",
    "repair_complete",
    "repair_raise",
    "repair_send_back",
    "repairs_notify_overdue",
    "room_list_confirm",
    "stocktake_close",
    "stocktake_open",
    "stocktake_scan",
    "stocktake_submit",
    "stores_count",
    "stores_issue",
    "stores_item_create",
    "stores_stock_in",
]

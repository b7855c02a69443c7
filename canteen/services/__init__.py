"""Every write of the canteen that changes state or touches several rows (DESIGN.md rule 3), one
module per aggregate: samples, deliveries, pantry, menus, accounts, daily logs. Reads are in
canteen/selectors.py; the state changes of samples and menus go through canteen/workflows.py.

Each function validates first and raises django.core.exceptions.ValidationError with a Chinese
message before anything is written; the writes happen in one transaction with their change-log rows.
`from canteen import services; services.sample_record(...)` keeps working: the public names are here.
"""

from .accounts import fee_entry_correct, fee_entry_record
from .common import MAX_MONEY, decimal_value
from .daily_logs import morning_check_record
from .deliveries import (
    DELIVERY_CORRECTABLE,
    LINE_CORRECTABLE,
    MAX_SHELF_DAYS,
    MAX_SHELF_YEARS,
    add_months,
    check_label,
    delivery_correct,
    delivery_delete,
    delivery_line_correct,
    delivery_record,
    retention_end,
)
from .menus import (
    dish_add,
    dish_remove,
    dish_set_ingredient,
    menu_copy_previous,
    menu_for_week,
    menu_publish,
    menu_unpublish,
    week_start_of,
)
from .pantry import pantry_count, pantry_issue
from .samples import SAMPLE_CORRECTABLE, check_sample_values, sample_correct, sample_discard, sample_record

__all__ = [
    "DELIVERY_CORRECTABLE",
    "LINE_CORRECTABLE",
    "MAX_MONEY",
    "MAX_SHELF_DAYS",
    "MAX_SHELF_YEARS",
    "SAMPLE_CORRECTABLE",
    "add_months",
    "check_label",
    "check_sample_values",
    "decimal_value",
    "delivery_correct",
    "delivery_delete",
    "delivery_line_correct",
    "delivery_record",
    "dish_add",
    "dish_remove",
    "dish_set_ingredient",
    "fee_entry_correct",
    "fee_entry_record",
    "menu_copy_previous",
    "menu_for_week",
    "menu_publish",
    "menu_unpublish",
    "morning_check_record",
    "pantry_count",
    "pantry_issue",
    "retention_end",
    "sample_correct",
    "sample_discard",
    "sample_record",
    "week_start_of",
]

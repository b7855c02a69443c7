"""Every write that changes safety state (DESIGN.md rule 3), by aggregate: keyword-only, atomic,
locked, logged. State changes go through the workflows in safety/workflows.py; reads are in
safety/selectors.py. `from safety import services; services.hazard_assign(...)` keeps working."""

from ..models import SafetySettings
from .common import MAX_PHOTOS, check_photos
from .drills import DRILL_RESULT_FIELDS, drill_correct, drill_plan, drill_record
from .fire import (
    FIRE_CHECK_CONTENT,
    FIRE_FAILING,
    fire_check_correct,
    fire_check_edit,
    fire_check_sign,
    fire_check_sign_inspector,
    fire_check_sign_principal,
    fire_equipment_alerts,
    fire_selfcheck_correct,
    fire_selfcheck_save,
    fire_selfcheck_start,
    may_correct_fire_check,
)
from .hazards import (
    HAZARD_REOPEN_CLEARS,
    closed_hazard_message,
    escalate_overdue_hazards,
    hazard_assign,
    hazard_correct,
    hazard_correctable_fields,
    hazard_rectify,
    hazard_reject,
    hazard_report,
    hazard_verify,
    hazard_withdraw,
)
from .hazmat import hazmat_issue, hazmat_receive
from .inspections import (
    create_scheduled_inspections,
    inspection_complete,
    inspection_correct_item,
    inspection_create,
    inspection_save,
    inspection_submit,
    notify_overdue_inspections,
    period_for,
    week_start,
)
from .templates import get_template, template_item_save
from .visitors import pickup_record, visitor_register, visitor_sign_out


def get_settings(school) -> SafetySettings:
    """SafetySettings.for_school, kept only for benchmarks/district (the bench seeding, outside this
    app) until it calls that; everything in safety uses SafetySettings.for_school."""
    return SafetySettings.for_school(school)


__all__ = [
    "DRILL_RESULT_FIELDS",
    "FIRE_CHECK_CONTENT",
    "FIRE_FAILING",
    "HAZARD_REOPEN_CLEARS",
    "MAX_PHOTOS",
    "check_photos",
    "closed_hazard_message",
    "create_scheduled_inspections",
    "drill_correct",
    "drill_plan",
    "drill_record",
    "escalate_overdue_hazards",
    "fire_check_correct",
    "fire_check_edit",
    "fire_check_sign",
    "fire_check_sign_inspector",
    "fire_check_sign_principal",
    "fire_equipment_alerts",
    "fire_selfcheck_correct",
    "fire_selfcheck_save",
    "fire_selfcheck_start",
    "get_settings",
    "get_template",
    "hazard_assign",
    "hazard_correct",
    "hazard_correctable_fields",
    "hazard_reject",
    "hazard_rectify",
    "hazard_report",
    "hazard_verify",
    "hazard_withdraw",
    "hazmat_issue",
    "hazmat_receive",
    "inspection_complete",
    "inspection_correct_item",
    "inspection_create",
    "inspection_save",
    "inspection_submit",
    "may_correct_fire_check",
    "notify_overdue_inspections",
    "period_for",
    "pickup_record",
    "template_item_save",
    "visitor_register",
    "visitor_sign_out",
    "week_start",
]

"""The safety app's transition tables (logistics.workflow): hazards, inspections, drills, the monthly
fire-equipment self-check and the fire-prevention check. The engine locks, checks the state and the
role (from the membership), writes the change log and queues the notices; services add each step's
own effects."""

from django.utils.translation import gettext_lazy as _

from logistics.choices import Role
from logistics.workflow import Actor, Transition, Workflow

from .choices import (
    CheckStatus,
    DrillAction,
    DrillStatus,
    FireCheckAction,
    FirePreventionStatus,
    HazardAction,
    HazardStatus,
    InspectionAction,
    InspectionStatus,
    SelfCheckAction,
)
from .models import Drill, FirePreventionCheck, FireSelfCheck, Hazard, Inspection

FORBIDDEN = _("您没有权限执行此操作。")

# --- hazards (安全隐患台账) -----------------------------------------------------------------------
# found -> assigned (deadline) -> rectified -> verified by someone other than the rectifier (the
# service checks that), or back to assigned. 撤销 (withdraw, 误报): a manager closes a hazard raised by
# mistake, with a reason, from any state before verification; it stays in the register as 已撤销.
# 重新登记 (reopen) is not offered on the page: it happens when the checklist item a withdrawn hazard
# came from is corrected back to a failure, so one item keeps one hazard with its whole history.
H = HazardStatus
HAZARD_UNVERIFIED = (H.FOUND, H.ASSIGNED, H.RECTIFIED)

HAZARD = Workflow(
    "safety.hazard",
    model=Hazard,
    actions=HazardAction,
    messages={"wrong_state": _("隐患当前状态为「%(status)s」，不能执行此操作。"), "forbidden": FORBIDDEN},
    transitions=[
        Transition(HazardAction.ASSIGN, {H.FOUND}, H.ASSIGNED, "safety.manage"),
        Transition(HazardAction.RECTIFY, {H.ASSIGNED}, H.RECTIFIED, "hazards.rectify"),
        Transition(HazardAction.VERIFY, {H.RECTIFIED}, H.VERIFIED, "safety.manage"),
        Transition(HazardAction.REJECT, {H.RECTIFIED}, H.ASSIGNED, "safety.manage"),
        Transition(HazardAction.WITHDRAW, set(HAZARD_UNVERIFIED), H.WITHDRAWN, "safety.manage"),
        Transition(HazardAction.REOPEN, {H.WITHDRAWN}, H.FOUND, "safety.manage"),
    ],
)


def hazard_permission(action) -> str:
    """The permission a hazard action needs (the same from every state it starts from)."""
    return next(t.permission for t in HAZARD.transitions if t.action == action)


# --- inspections (周检、月检、闭园巡视) -------------------------------------------------------------
INSPECTION = Workflow(
    "safety.inspection",
    model=Inspection,
    actions=InspectionAction,
    messages={"wrong_state": _("检查已提交并锁定，只能通过更正修改。"), "forbidden": FORBIDDEN},
    transitions=[
        # signed and locked; every failed item becomes a hazard
        Transition(
            InspectionAction.SUBMIT, {InspectionStatus.OPEN}, InspectionStatus.SUBMITTED, "safety.inspect"
        ),
    ],
)

# --- drills (应急疏散演练) -------------------------------------------------------------------------
DRILL = Workflow(
    "safety.drill",
    model=Drill,
    actions=DrillAction,
    messages={"wrong_state": _("演练已记录，只能通过更正修改。"), "forbidden": FORBIDDEN},
    transitions=[
        Transition(DrillAction.RECORD, {DrillStatus.PLANNED}, DrillStatus.DONE, "safety.manage"),
    ],
)

# --- the monthly fire-equipment self-check (消防设备月度自检) ----------------------------------------
FIRE_SELFCHECK = Workflow(
    "safety.fire_selfcheck",
    model=FireSelfCheck,
    actions=SelfCheckAction,
    messages={"wrong_state": _("自检已提交，不能再修改。"), "forbidden": FORBIDDEN},
    transitions=[
        Transition(SelfCheckAction.SUBMIT, {CheckStatus.OPEN}, CheckStatus.SUBMITTED, "safety.inspect"),
    ],
)

# --- the fire-prevention check (防火检查, 公安部令第61号) --------------------------------------------
# Signed first by the inspector named on it (谁签字谁负责), then by the head of the school.
F = FirePreventionStatus
FIRE_CHECK = Workflow(
    "safety.fire_check",
    model=FirePreventionCheck,
    actions=FireCheckAction,
    owner="inspector",
    messages={"forbidden": FORBIDDEN},
    transitions=[
        Transition(
            FireCheckAction.SIGN_INSPECTOR,
            {F.DRAFT},
            F.INSPECTOR_SIGNED,
            "safety.inspect",
            actor=Actor.OWNER,
            refusal=_("只有检查人本人可以签字。"),
            wrong_state=_("检查人已签字。"),
        ),
        Transition(
            FireCheckAction.SIGN_PRINCIPAL,
            {F.INSPECTOR_SIGNED},
            F.SIGNED,
            "safety.manage",
            roles={Role.PRINCIPAL},
            refusal=_("只有校长（园长）可以签字。"),
            wrong_state=_("须先由检查人签字。"),
        ),
    ],
)

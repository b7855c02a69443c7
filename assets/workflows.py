"""The assets app's transition tables (logistics.workflow): the asset's lifecycle, loans, disposal
requests, repairs, maintenance tasks, stocktakes and damage cases. The engine checks, applies and logs;
the services in assets/services/ add each step's own effects. Registering an asset, opening a
stocktake or recording a damage case creates a row in its first state: a creation, not a transition.

AssetEvent and RepairEvent are the history rows of the asset and repair workflows, written here by
the engine's history callback in the step's transaction.
"""

from django.utils.translation import gettext_lazy as _

from logistics.workflow import Actor, Transition, Workflow

from .choices import (
    ON_BOOKS,
    AssetAction,
    AssetStatus,
    DamageAction,
    DamageStatus,
    DisposalAction,
    DisposalStatus,
    LoanAction,
    LoanStatus,
    RepairAction,
    RepairStatus,
    StocktakeAction,
    StocktakeStatus,
    TaskAction,
    TaskStatus,
)
from .models import (
    Asset,
    AssetEvent,
    AssetLoan,
    DamageCase,
    DisposalRequest,
    MaintenanceTask,
    RepairEvent,
    RepairRequest,
    Stocktake,
)

MANAGE, APPROVE = "assets.manage", "assets.approve"
REPAIRS_RAISE, REPAIRS_MANAGE = "repairs.raise", "repairs.manage"


# --- history rows -----------------------------------------------------------------------------
def write_asset_event(step) -> AssetEvent:
    """The asset's history row: action, status, place and custodian before and after, who, why."""
    asset, before = step.obj, step.initial
    return AssetEvent.objects.create(
        school_id=asset.school_id,
        asset=asset,
        action=step.action,
        from_status=step.source,
        to_status=step.target,
        from_room_id=before["room_id"],
        to_room_id=asset.room_id,
        from_custodian_id=before["custodian_id"],
        to_custodian_id=asset.custodian_id,
        by=step.by,
        comment=step.comment[:300],
    )


def write_repair_event(step) -> RepairEvent:
    return RepairEvent.objects.create(
        school_id=step.obj.school_id,
        repair=step.obj,
        from_status=step.source,
        to_status=step.target,
        by=step.by,
        comment=step.comment[:500],
    )


# --- the asset --------------------------------------------------------------------------------
S = AssetStatus


def _staying(action, sources, permission) -> list[Transition]:
    """A step that leaves the status as it is (调拨, 交接, 盘点调整位置, 损坏赔偿): each state to itself."""
    return [Transition(action, {state}, state, permission) for state in sources]


ASSET = Workflow(
    "assets.asset",
    model=Asset,
    actions=AssetAction,
    history=write_asset_event,
    messages={"wrong_state": _("资产「%(obj)s」当前状态为「%(status)s」，不能%(action)s。")},
    transitions=[
        Transition(AssetAction.ISSUE, {S.IDLE, S.IN_USE}, S.IN_USE, MANAGE),
        Transition(AssetAction.LEND, {S.IDLE, S.IN_USE}, S.LENT, MANAGE),
        # back to the status it had before the loan (AssetLoan.previous_status)
        Transition(AssetAction.RETURN, {S.LENT}, {S.IN_USE, S.IDLE}, MANAGE),
        *_staying(AssetAction.TRANSFER, (S.IDLE, S.IN_USE), MANAGE),
        # raising a repair marks the asset; accepting the repair restores its status before
        # (RepairRequest.previous_asset_status): both cascade from the repair's own checked step
        Transition(AssetAction.REPAIR, {S.IDLE, S.IN_USE}, S.REPAIRING, REPAIRS_RAISE),
        Transition(AssetAction.REPAIRED, {S.REPAIRING}, {S.IN_USE, S.IDLE}, REPAIRS_RAISE),
        Transition(AssetAction.REQUEST_DISPOSAL, {S.IDLE, S.IN_USE, S.REPAIRING}, S.PENDING_DISPOSAL, MANAGE),
        # the principal's decision on the DisposalRequest (DISPOSAL below) moves the asset
        Transition(AssetAction.APPROVE_DISPOSAL, {S.PENDING_DISPOSAL}, S.DISPOSED, APPROVE),
        Transition(AssetAction.APPROVE_TRANSFER_OUT, {S.PENDING_DISPOSAL}, S.TRANSFERRED_OUT, APPROVE),
        Transition(
            AssetAction.REJECT_DISPOSAL, {S.PENDING_DISPOSAL}, {S.IDLE, S.IN_USE, S.REPAIRING}, APPROVE
        ),
        *_staying(AssetAction.HANDOVER, ON_BOOKS, MANAGE),
        # the principal's closing of a stocktake (STOCKTAKE below) moves and writes off assets
        *_staying(AssetAction.STOCKTAKE_MOVE, ON_BOOKS, APPROVE),
        Transition(AssetAction.STOCKTAKE_MISSING, ON_BOOKS, S.MISSING, APPROVE),
        *_staying(AssetAction.DAMAGE, ON_BOOKS, MANAGE),
    ],
)

LOAN = Workflow(
    "assets.loan",
    model=AssetLoan,
    actions=LoanAction,
    messages={"wrong_state": _("该借用已归还。")},
    transitions=[Transition(LoanAction.RETURN, {LoanStatus.OPEN}, LoanStatus.RETURNED, MANAGE)],
)

DISPOSAL = Workflow(
    "assets.disposal",
    model=DisposalRequest,
    actions=DisposalAction,
    owner="requested_by",
    messages={
        "wrong_state": _("该申请已处理。"),
        "forbidden": _("只有校长/园长可以审批报废和转让。"),
        "not_owner": _("不能审批自己提交的申请。"),
    },
    transitions=[
        Transition(
            DisposalAction.APPROVE,
            {DisposalStatus.PENDING},
            DisposalStatus.APPROVED,
            APPROVE,
            actor=Actor.NOT_OWNER,
        ),
        Transition(
            DisposalAction.REJECT,
            {DisposalStatus.PENDING},
            DisposalStatus.REJECTED,
            APPROVE,
            actor=Actor.NOT_OWNER,
        ),
    ],
)

# --- repairs and maintenance ------------------------------------------------------------------
R = RepairStatus
REPAIR = Workflow(
    "assets.repair",
    model=RepairRequest,
    actions=RepairAction,
    owner="requested_by",
    assignee="assignee",
    history=write_repair_event,
    messages={"wrong_state": _("报修单当前状态为「%(status)s」，不能执行此操作。")},
    transitions=[
        # the managers dispatch (and re-dispatch) the job
        Transition(
            RepairAction.ASSIGN,
            {R.SUBMITTED, R.ASSIGNED},
            R.ASSIGNED,
            REPAIRS_MANAGE,
            refusal=_("只有后勤管理人员可以派单。"),
        ),
        # the assignee records the result, or a manager records it for them
        Transition(
            RepairAction.COMPLETE,
            {R.ASSIGNED},
            R.DONE,
            REPAIRS_RAISE,
            actor=Actor.ASSIGNEE,
            override=REPAIRS_MANAGE,
            refusal=_("只有维修人或后勤管理人员可以登记维修结果。"),
        ),
        # the person who raised it accepts the work or sends it back
        Transition(
            RepairAction.ACCEPT,
            {R.DONE},
            R.ACCEPTED,
            REPAIRS_RAISE,
            actor=Actor.OWNER,
            refusal=_("只有报修人本人可以验收或退回。"),
        ),
        Transition(
            RepairAction.SEND_BACK,
            {R.DONE},
            R.ASSIGNED,
            REPAIRS_RAISE,
            actor=Actor.OWNER,
            refusal=_("只有报修人本人可以验收或退回。"),
        ),
        # withdrawn before it is dispatched: by whoever raised it, or a manager
        Transition(
            RepairAction.CANCEL,
            {R.SUBMITTED},
            R.CANCELLED,
            REPAIRS_RAISE,
            actor=Actor.OWNER,
            override=REPAIRS_MANAGE,
            refusal=_("只有报修人本人可以验收或退回。"),
        ),
    ],
)

MAINTENANCE_TASK = Workflow(
    "assets.maintenance_task",
    model=MaintenanceTask,
    actions=TaskAction,
    messages={"wrong_state": _("该任务已完成。")},
    transitions=[Transition(TaskAction.COMPLETE, {TaskStatus.OPEN}, TaskStatus.DONE, REPAIRS_MANAGE)],
)

# --- stocktakes and damage --------------------------------------------------------------------
STOCKTAKE = Workflow(
    "assets.stocktake",
    model=Stocktake,
    actions=StocktakeAction,
    transitions=[
        # the director ends counting; the principal approves the result
        Transition(
            StocktakeAction.SUBMIT,
            {StocktakeStatus.OPEN},
            StocktakeStatus.SUBMITTED,
            MANAGE,
            wrong_state=_("盘点不在进行中。"),
        ),
        Transition(
            StocktakeAction.CLOSE,
            {StocktakeStatus.SUBMITTED},
            StocktakeStatus.CLOSED,
            APPROVE,
            refusal=_("只有校长/园长可以审批盘点结果。"),
            wrong_state=_("盘点须先提交，才能审批关闭。"),
        ),
    ],
)

DAMAGE = Workflow(
    "assets.damage",
    model=DamageCase,
    actions=DamageAction,
    messages={"wrong_state": _("该赔偿已处理。")},
    transitions=[
        Transition(DamageAction.PAY, {DamageStatus.ASSESSED}, DamageStatus.PAID, MANAGE),
        Transition(DamageAction.WAIVE, {DamageStatus.ASSESSED}, DamageStatus.WAIVED, MANAGE),
    ],
)

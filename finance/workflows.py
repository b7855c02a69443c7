"""Finance's transition tables (logistics.workflow): purchase requests (请购), reimbursements (报销),
loans (借款) and the monthly statement (收支情况). The engine locks, checks and logs; services add each
step's own effects (finance.services).

Nobody approves their own paper: the `Actor.NOT_OWNER` steps refuse the requester, claimant or borrower
first, whatever their role, with the step's `refusal` (不能审批本人提交的申请。); a role that may not
take the step gets the workflow's 您的身份不能执行「…」。 The principal's step (一支笔审批) on the
principal's own loan or claim is the director's (services.principal_step_role), so those wait in a
state of their own (待主任审批（校长本人借款）, 待主任签字（校长本人报销）).
"""

from django.utils.translation import gettext_lazy as _

from logistics.choices import Role as R
from logistics.workflow import Actor, Transition, Workflow

from .choices import (
    FlowAction,
    LoanStatus,
    ReimbursementStatus,
    RequestStatus,
    StatementAction,
    StatementStatus,
)
from .models import FlowLog, Loan, MonthlyStatement, PurchaseRequest, Reimbursement

A = FlowAction
RS, BS, LS, SS = RequestStatus, ReimbursementStatus, LoanStatus, StatementStatus
NOT_OWNER = Actor.NOT_OWNER

MESSAGES = {"forbidden": _("您的身份不能执行「%(action)s」。")}


def flow_log(*, obj, by, role, action, from_status, to_status, comment="", data=None) -> FlowLog:
    """One row of a paper's history table (who, when, which step, from, to, comment)."""
    return FlowLog.objects.create(
        school_id=obj.school_id,
        round=getattr(obj, "round", 1),
        action=action,
        from_status=from_status or "",
        to_status=to_status,
        by=by,
        role=role or "",
        comment=comment,
        data=data or None,
        **{FLOW_LOG_KEYS[type(obj)]: obj},
    )


def write_flow_log(step) -> None:
    """The workflows' history callback: the step's FlowLog row, in the step's transaction.

    The row belongs to the paper (`request`, `reimbursement` or `loan`) and, for a purchase request, to
    its round; `step.data` is the snapshot it keeps (the lines, the prices, the quantities accepted)."""
    flow_log(
        obj=step.obj,
        by=step.by,
        role=step.role,
        action=step.action,
        from_status=step.source,
        to_status=step.target,
        comment=step.comment,
        data=step.data,
    )


FLOW_LOG_KEYS = {PurchaseRequest: "request", Reimbursement: "reimbursement", Loan: "loan"}

APPROVER = "finance.approve"  # principal, director: `roles` names whose step it is
PURCHASER = "finance.purchase"  # principal, director, staff, accountant
CASHIER = "finance.manage"  # `roles={R.ACCOUNTANT}`: the cashier (出纳)
STAFF = "finance.request"  # every member of staff

REQUEST = Workflow(
    "finance.request",
    model=PurchaseRequest,
    actions=FlowAction,
    owner="requester",
    history=write_flow_log,
    messages={
        **MESSAGES,
        "stale": _("该申请刚刚已由%(who)s处理（%(what)s），当前状态为「%(status)s」，您的决定未生效。"),
    },
    transitions=[
        # the director's step: final up to the director's limit, else on to the principal (一支笔审批)
        Transition(
            A.APPROVE,
            {RS.PENDING_DIRECTOR},
            {RS.APPROVED, RS.PENDING_PRINCIPAL},
            APPROVER,
            roles={R.DIRECTOR},
            actor=NOT_OWNER,
            refusal=_("不能审批本人提交的申请。"),
        ),
        Transition(
            A.REJECT,
            {RS.PENDING_DIRECTOR},
            RS.REJECTED,
            APPROVER,
            roles={R.DIRECTOR},
            actor=NOT_OWNER,
            refusal=_("不能审批本人提交的申请。"),
        ),
        Transition(
            A.APPROVE,
            {RS.PENDING_PRINCIPAL},
            RS.APPROVED,
            APPROVER,
            roles={R.PRINCIPAL},
            actor=NOT_OWNER,
            refusal=_("不能审批本人提交的申请。"),
        ),
        Transition(
            A.REJECT,
            {RS.PENDING_PRINCIPAL},
            RS.REJECTED,
            APPROVER,
            roles={R.PRINCIPAL},
            actor=NOT_OWNER,
            refusal=_("不能审批本人提交的申请。"),
        ),
        # revised by the requester, it goes round again, routed as a new request
        Transition(
            A.RESUBMIT, {RS.REJECTED}, {RS.PENDING_DIRECTOR, RS.PENDING_PRINCIPAL}, STAFF, actor=Actor.OWNER
        ),
        Transition(
            A.CANCEL,
            {RS.PENDING_DIRECTOR, RS.PENDING_PRINCIPAL, RS.REJECTED},
            RS.CANCELLED,
            STAFF,
            actor=Actor.OWNER,
        ),
        Transition(A.PURCHASE, {RS.APPROVED}, RS.PURCHASED, PURCHASER),
        # by someone other than the buyer (services.purchase_request_accept)
        Transition(A.ACCEPT, {RS.PURCHASED}, RS.ACCEPTED, PURCHASER),
        # closed when its reimbursement is paid (a cascade of services.reimbursement_pay)
        Transition(A.REIMBURSE, {RS.ACCEPTED}, RS.REIMBURSED, CASHIER, roles={R.ACCOUNTANT}),
    ],
)

WITNESSES = frozenset({R.DIRECTOR, R.STAFF, R.ACCOUNTANT})
OWN_CLAIM_SIGN = _("经手人不能为本人的报销单签字。")
OWN_CLAIM_REJECT = _("不能退回本人的报销单，请撤回后重新提交。")

REIMBURSEMENT = Workflow(
    "finance.reimbursement",
    model=Reimbursement,
    actions=FlowAction,
    owner="claimant",
    history=write_flow_log,
    messages={
        **MESSAGES,
        "stale": _("该报销单刚刚已被他人处理，当前状态为「%(status)s」，您的操作未生效。"),
    },
    transitions=[
        # 证明人: on to whoever takes the principal's step (the director on the principal's own claim);
        # the director is not the witness of the principal's own claim (services.may_witness)
        Transition(
            A.WITNESS_SIGN,
            {BS.PENDING_WITNESS},
            {BS.PENDING_PRINCIPAL, BS.PENDING_DIRECTOR},
            STAFF,
            roles=WITNESSES,
            actor=NOT_OWNER,
            refusal=OWN_CLAIM_SIGN,
        ),
        Transition(
            A.REJECT,
            {BS.PENDING_WITNESS},
            BS.REJECTED,
            STAFF,
            roles=WITNESSES,
            actor=NOT_OWNER,
            refusal=OWN_CLAIM_REJECT,
        ),
        Transition(
            A.PRINCIPAL_SIGN,
            {BS.PENDING_PRINCIPAL},
            BS.APPROVED,
            APPROVER,
            roles={R.PRINCIPAL},
            actor=NOT_OWNER,
            refusal=OWN_CLAIM_SIGN,
        ),
        Transition(
            A.REJECT,
            {BS.PENDING_PRINCIPAL},
            BS.REJECTED,
            APPROVER,
            roles={R.PRINCIPAL},
            actor=NOT_OWNER,
            refusal=OWN_CLAIM_REJECT,
        ),
        # the principal's own claim: the director signs in the principal's place
        Transition(
            A.DIRECTOR_SIGN,
            {BS.PENDING_DIRECTOR},
            BS.APPROVED,
            APPROVER,
            roles={R.DIRECTOR},
            actor=NOT_OWNER,
            refusal=OWN_CLAIM_SIGN,
        ),
        Transition(
            A.REJECT,
            {BS.PENDING_DIRECTOR},
            BS.REJECTED,
            APPROVER,
            roles={R.DIRECTOR},
            actor=NOT_OWNER,
            refusal=OWN_CLAIM_REJECT,
        ),
        Transition(
            A.PAY,
            {BS.APPROVED},
            BS.PAID,
            CASHIER,
            roles={R.ACCOUNTANT},
            actor=NOT_OWNER,
            refusal=_("出纳不能为本人的报销单付款。"),
        ),
    ],
)

OWN_LOAN = _("不能审批本人的借款。")

LOAN = Workflow(
    "finance.loan",
    model=Loan,
    actions=FlowAction,
    owner="borrower",
    history=write_flow_log,
    messages={
        **MESSAGES,
        "stale": _("该借款刚刚已被他人处理，当前状态为「%(status)s」，您的决定未生效。"),
    },
    transitions=[
        Transition(
            A.APPROVE,
            {LS.PENDING},
            LS.APPROVED,
            APPROVER,
            roles={R.PRINCIPAL},
            actor=NOT_OWNER,
            refusal=OWN_LOAN,
        ),
        Transition(
            A.REJECT,
            {LS.PENDING},
            LS.REJECTED,
            APPROVER,
            roles={R.PRINCIPAL},
            actor=NOT_OWNER,
            refusal=OWN_LOAN,
        ),
        # the principal's own loan: the director decides in the principal's place
        Transition(
            A.APPROVE,
            {LS.PENDING_DIRECTOR},
            LS.APPROVED,
            APPROVER,
            roles={R.DIRECTOR},
            actor=NOT_OWNER,
            refusal=OWN_LOAN,
        ),
        Transition(
            A.REJECT,
            {LS.PENDING_DIRECTOR},
            LS.REJECTED,
            APPROVER,
            roles={R.DIRECTOR},
            actor=NOT_OWNER,
            refusal=OWN_LOAN,
        ),
        Transition(
            A.DISBURSE,
            {LS.APPROVED},
            LS.DISBURSED,
            CASHIER,
            roles={R.ACCOUNTANT},
            actor=NOT_OWNER,
            refusal=_("出纳不能向本人借出款项。"),
        ),
        # a repayment settles the loan, or leaves the rest outstanding
        Transition(
            A.REPAY,
            {LS.DISBURSED},
            {LS.DISBURSED, LS.SETTLED},
            CASHIER,
            roles={R.ACCOUNTANT},
            actor=NOT_OWNER,
            refusal=_("出纳不能为本人的借款登记还款。"),
        ),
        # offset by the borrower's own reimbursement, paid by another cashier (a cascade of
        # services.reimbursement_pay, which checked the cashier)
        Transition(
            A.SETTLE,
            {LS.DISBURSED},
            {LS.DISBURSED, LS.SETTLED},
            CASHIER,
            roles={R.ACCOUNTANT},
            actor=NOT_OWNER,
            refusal=_("出纳不能为本人的报销单付款。"),
        ),
    ],
)

STATEMENT = Workflow(
    "finance.statement",
    model=MonthlyStatement,
    actions=StatementAction,
    messages={
        "wrong_state": _("当前状态「%(status)s」不能执行此操作。"),
        "forbidden": _("您的身份不能执行此操作。"),
    },
    transitions=[
        Transition(
            StatementAction.SUBMIT,
            {SS.DRAFT},
            SS.SUBMITTED,
            CASHIER,
            roles={R.ACCOUNTANT, R.DIRECTOR},
        ),
        Transition(StatementAction.REVIEW, {SS.SUBMITTED}, SS.REVIEWED, APPROVER, roles={R.PRINCIPAL}),
        Transition(
            StatementAction.PUBLISH,
            {SS.REVIEWED},
            SS.PUBLISHED,
            CASHIER,
            roles={R.PRINCIPAL, R.ACCOUNTANT},
        ),
    ],
)

# The status waiting for the principal's step, by who takes it (services.principal_step_role).
LOAN_PENDING = {R.PRINCIPAL: LS.PENDING, R.DIRECTOR: LS.PENDING_DIRECTOR}
REIMBURSEMENT_SIGNING = {R.PRINCIPAL: BS.PENDING_PRINCIPAL, R.DIRECTOR: BS.PENDING_DIRECTOR}
# The signature a claim waits for, by its status.
SIGN_ACTIONS = {
    BS.PENDING_WITNESS: A.WITNESS_SIGN,
    BS.PENDING_PRINCIPAL: A.PRINCIPAL_SIGN,
    BS.PENDING_DIRECTOR: A.DIRECTOR_SIGN,
}

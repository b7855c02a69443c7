"""Every state change of the finance app (DESIGN.md rule 3), by aggregate.

Each service is keyword-only and runs in one transaction; a state change is a step of a workflow in
finance.workflows (the engine locks the row, refuses a stale decision naming who acted first, checks
the role and the not-owner rule, writes the FlowLog row and the change log, and sends the notices on
commit), and the service adds only its step's own effects. Refusals are `ValidationError`s with a
Chinese message, on the form field they are about where there is one, raised before anything is
written. Reads are in finance.selectors.
"""

from .budget import budget_check
from .common import may_witness, principal_step_role, principals_own_note
from .loans import loan_create, loan_decide, loan_disburse, loan_repay, loan_settle
from .reimbursements import reimbursement_create, reimbursement_pay, reimbursement_reject, reimbursement_sign
from .reminders import remind_stale_approvals
from .requests import (
    CORRECTABLE_PURCHASE_FIELDS,
    QUOTE_OPEN_STATUSES,
    purchase_request_accept,
    purchase_request_cancel,
    purchase_request_correct,
    purchase_request_create,
    purchase_request_decide,
    purchase_request_purchase,
    purchase_request_resubmit,
    quote_add,
)
from .statements import income_record, statement_advance, statement_prepare

__all__ = [
    "CORRECTABLE_PURCHASE_FIELDS",
    "QUOTE_OPEN_STATUSES",
    "budget_check",
    "income_record",
    "loan_create",
    "loan_decide",
    "loan_disburse",
    "loan_repay",
    "loan_settle",
    "may_witness",
    "principal_step_role",
    "principals_own_note",
    "purchase_request_accept",
    "purchase_request_cancel",
    "purchase_request_correct",
    "purchase_request_create",
    "purchase_request_decide",
    "purchase_request_purchase",
    "purchase_request_resubmit",
    "quote_add",
    "reimbursement_create",
    "reimbursement_pay",
    "reimbursement_reject",
    "reimbursement_sign",
    "remind_stale_approvals",
    "statement_advance",
    "statement_prepare",
]

"""The hygiene app's transition tables (logistics.workflow): sick absences, infectious cases,
inspection problems and greening tasks. The engine checks and logs; services add each step's effects."""

from django.utils.translation import gettext_lazy as _

from logistics.workflow import Transition, Workflow

from .choices import (
    AbsenceAction,
    AbsenceStatus,
    CaseAction,
    CaseStatus,
    ProblemAction,
    ProblemStatus,
    TaskAction,
    TaskStatus,
)
from .models import GreeningTask, HygieneProblem, InfectiousCase, SickAbsence

MESSAGES = {"wrong_state": _("当前状态不允许此操作。"), "forbidden": _("您的角色无权执行此操作。")}

ABSENCE = Workflow(
    "hygiene.absence",
    model=SickAbsence,
    actions=AbsenceAction,
    messages=MESSAGES,
    transitions=[
        Transition(AbsenceAction.RETURN, {AbsenceStatus.ABSENT}, AbsenceStatus.RETURNED, "health.record"),
    ],
)

CASE = Workflow(
    "hygiene.case",
    model=InfectiousCase,
    actions=CaseAction,
    messages=MESSAGES,
    transitions=[
        Transition(CaseAction.RETURN, {CaseStatus.ISOLATING}, CaseStatus.RETURNED, "health.manage"),
    ],
)

P = ProblemStatus
PROBLEM = Workflow(
    "hygiene.problem",
    model=HygieneProblem,
    actions=ProblemAction,
    messages=MESSAGES,
    transitions=[
        Transition(ProblemAction.CORRECT, {P.OPEN}, P.CORRECTED, "hygiene.record"),
        # the recheck passes (复查合格) or sends the problem back to be corrected again
        Transition(ProblemAction.RECHECK, {P.CORRECTED}, {P.CLOSED, P.OPEN}, "hygiene.manage"),
    ],
)

GREENING_TASK = Workflow(
    "hygiene.greening_task",
    model=GreeningTask,
    actions=TaskAction,
    messages=MESSAGES,
    transitions=[
        Transition(TaskAction.COMPLETE, {TaskStatus.OPEN}, TaskStatus.DONE, "greening.manage"),
    ],
)

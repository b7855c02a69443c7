"""The month-end app's transition tables (logistics.workflow): the month pack and the duty task.

The month pack is produced by the system only (Celery or `manage.py month_end`): its steps are
conditional updates (`filter(pk=.., status=old).update(..)`), so a rerun, a second worker or a build
finishing after the pack was failed as abandoned is refused with nothing written (services.pack_build
treats that refusal as "nothing to do"). People only ask for a new version (services.pack_request).
"""

from django.utils.translation import gettext_lazy as _

from logistics.workflow import Actor, Lock, Transition, Workflow

from .choices import PackAction, PackStatus, TaskAction, TaskStatus
from .models import DutyTask, MonthPack

P = PackStatus
PACK = Workflow(
    "monthend.pack",
    model=MonthPack,
    actions=PackAction,
    lock=Lock.CONDITIONAL,
    transitions=[
        Transition(PackAction.START, {P.PENDING}, P.RUNNING, actor=Actor.SYSTEM),
        Transition(PackAction.FINISH, {P.RUNNING}, P.READY, actor=Actor.SYSTEM),
        Transition(PackAction.FAIL, {P.RUNNING}, P.FAILED, actor=Actor.SYSTEM),
    ],
)

T = TaskStatus
NOT_ALLOWED = _("您无权执行此操作。")
DUTY_TASK = Workflow(
    "monthend.duty_task",
    model=DutyTask,
    actions=TaskAction,
    assignee="assignee",
    messages={
        "wrong_state": _("该任务当前状态为“%(status)s”，不能执行此操作。"),
        "forbidden": NOT_ALLOWED,
        "not_assignee": NOT_ALLOWED,
    },
    transitions=[
        # the task's assignee, whatever their role; managers and logistics staff for anyone
        Transition(
            TaskAction.COMPLETE,
            {T.OPEN},
            T.DONE,
            "duties.do",
            actor=Actor.ASSIGNEE,
            override="duties.complete",
        ),
        # with a reason (the service requires it)
        Transition(TaskAction.SKIP, {T.OPEN}, T.SKIPPED, "duties.manage"),
        Transition(TaskAction.REOPEN, {T.DONE, T.SKIPPED}, T.OPEN, "duties.manage"),
    ],
)

"""The canteen's transition tables (logistics.workflow): food samples and weekly menus. The engine
checks the state and the role and writes the change log; services add each step's own effects.

Both are conditional updates (`filter(pk=.., status=old).update(...)`): of two discards of one sample,
or two publishes of one menu, only one takes effect and the other is refused."""

from django.utils.translation import gettext_lazy as _

from logistics.workflow import Lock, Transition, Workflow

from .choices import MenuAction, MenuStatus, SampleAction, SampleStatus
from .models import FoodSample, Menu

ALREADY_DISCARDED = _("该留样已销毁，不能重复销毁。")

SAMPLE = Workflow(
    "canteen.sample",
    model=FoodSample,
    actions=SampleAction,
    lock=Lock.CONDITIONAL,
    # discarded is the only other state; a discard that lost a race finds the sample discarded too
    messages={"wrong_state": ALREADY_DISCARDED, "stale": ALREADY_DISCARDED},
    transitions=[
        # and only once its retention time has passed (sample_discard checks discard_after)
        Transition(SampleAction.DISCARD, {SampleStatus.KEPT}, SampleStatus.DISCARDED, "canteen.record"),
    ],
)

MENU = Workflow(
    "canteen.menu",
    model=Menu,
    actions=MenuAction,
    lock=Lock.CONDITIONAL,
    messages={
        "wrong_state": _("食谱当前状态为「%(status)s」，不能执行此操作。"),
        "stale": _("食谱状态已被他人修改，请刷新后重试。"),
    },
    transitions=[
        # a menu with no dishes is not published (menu_publish checks)
        Transition(MenuAction.PUBLISH, {MenuStatus.DRAFT}, MenuStatus.PUBLISHED, "canteen.manage"),
        Transition(MenuAction.UNPUBLISH, {MenuStatus.PUBLISHED}, MenuStatus.DRAFT, "canteen.manage"),
    ],
)

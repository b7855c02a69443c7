from django.db import models
from django.utils.translation import gettext_lazy as _

from logistics.choices import BadgeChoices


class PackStatus(BadgeChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")

    __colors__ = {"pending": "secondary", "running": "secondary", "ready": "success", "failed": "danger"}


class PackAction(models.TextChoices):
    """The month pack's steps (monthend.workflows.PACK), all taken by the system (Celery or the command)."""

    START = "start", _("开始生成")
    FINISH = "finish", _("生成完成")
    FAIL = "fail", _("生成失败")


class PackTrigger(models.TextChoices):
    SCHEDULED = "scheduled", _("定时生成")
    MANUAL = "manual", _("手动重新生成")
    COMMAND = "command", _("命令行生成")


class Recurrence(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    YEARLY = "yearly", _("每年某月")
    WEEKLY = "weekly", _("每周")
    DATE = "date", _("指定日期")
    SEMESTER_START = "semester_start", _("每学期初")
    SEMESTER_END = "semester_end", _("每学期末")


class DutyCategory(models.TextChoices):
    ASSETS = "assets", _("资产")
    SAFETY = "safety", _("安全")
    CANTEEN = "canteen", _("食堂")
    HYGIENE = "hygiene", _("卫生")
    FINANCE = "finance", _("财务")
    GENERAL = "general", _("综合")


class TaskStatus(BadgeChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")
    SKIPPED = "skipped", _("已免做")

    __colors__ = {"open": "warning", "done": "success", "skipped": "secondary"}


class TaskAction(models.TextChoices):
    """The duty task's steps (monthend.workflows.DUTY_TASK)."""

    COMPLETE = "complete", _("完成")
    SKIP = "skip", _("免做")
    REOPEN = "reopen", _("重新打开")


class Weekday(models.IntegerChoices):
    MON = 0, _("星期一")
    TUE = 1, _("星期二")
    WED = 2, _("星期三")
    THU = 3, _("星期四")
    FRI = 4, _("星期五")
    SAT = 5, _("星期六")
    SUN = 6, _("星期日")

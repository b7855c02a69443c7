from django.db import models
from django.utils.translation import gettext_lazy as _

from logistics.choices import BadgeChoices


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class CheckSession(models.TextChoices):
    MORNING = "morning", _("晨检")
    NOON = "noon", _("午检")


class Symptom(models.TextChoices):
    FEVER = "fever", _("发热")
    COUGH = "cough", _("咳嗽")
    RASH = "rash", _("皮疹")
    HERPES = "herpes", _("口腔疱疹")
    VOMIT = "vomit", _("呕吐")
    DIARRHEA = "diarrhea", _("腹泻")
    SORE_THROAT = "sore_throat", _("咽痛")
    EYE = "eye", _("红眼")
    INJURY = "injury", _("外伤")
    OTHER = "other", _("其他")


class CheckAction(models.TextChoices):
    OBSERVE = "observe", _("留园观察")
    MEDICINE = "medicine", _("按家长委托服药")
    PARENT_PICKUP = "parent_pickup", _("通知家长接回")
    HOSPITAL = "hospital", _("建议就医")
    ISOLATE = "isolate", _("隔离观察")


class AbsenceStatus(BadgeChoices):
    ABSENT = "absent", _("缺勤中")
    RETURNED = "returned", _("已返园")
    __colors__ = {"absent": "warning", "returned": "success"}


class AbsenceAction(models.TextChoices):
    RETURN = "return", _("返园")


class Disease(models.TextChoices):
    HFMD = "hfmd", _("手足口病")
    HERPANGINA = "herpangina", _("疱疹性咽峡炎")
    VARICELLA = "varicella", _("水痘")
    INFLUENZA = "influenza", _("流行性感冒")
    NOROVIRUS = "norovirus", _("诺如病毒感染")
    MUMPS = "mumps", _("流行性腮腺炎")
    SCARLET = "scarlet", _("猩红热")
    CONJUNCTIVITIS = "conjunctivitis", _("急性出血性结膜炎")
    OTHER = "other", _("其他")


class CaseStatus(BadgeChoices):
    ISOLATING = "isolating", _("隔离治疗中")
    RETURNED = "returned", _("已复课")
    __colors__ = {"isolating": "danger", "returned": "success"}


class CaseAction(models.TextChoices):
    RETURN = "return", _("复课")


class ProblemStatus(BadgeChoices):
    OPEN = "open", _("待整改")
    CORRECTED = "corrected", _("已整改待复查")
    CLOSED = "closed", _("复查合格")
    __colors__ = {"open": "warning", "corrected": "info", "closed": "success"}


class ProblemAction(models.TextChoices):
    CORRECT = "correct", _("整改")
    RECHECK = "recheck", _("复查")


class DisinfectionObject(models.TextChoices):
    TOYS = "toys", _("玩具")
    BEDDING = "bedding", _("被褥")
    CUPS = "cups", _("水杯")
    TOWELS = "towels", _("毛巾")
    TABLEWARE = "tableware", _("餐具")
    ROOM = "room", _("室内空气与物表")
    TOILET = "toilet", _("卫生间")
    HANDRAIL = "handrail", _("门把手与扶梯")
    OTHER = "other", _("其他")


class DisinfectionMethod(models.TextChoices):
    SOAK = "soak", _("浸泡")
    WIPE = "wipe", _("擦拭")
    SPRAY = "spray", _("喷洒")
    UV = "uv", _("紫外线照射")
    BOIL = "boil", _("煮沸")
    STEAM = "steam", _("蒸汽")
    CABINET = "cabinet", _("消毒柜")
    SUN = "sun", _("日光暴晒")
    VENTILATE = "ventilate", _("开窗通风")


class MeterKind(models.TextChoices):
    WATER = "water", _("水表")
    ELECTRICITY = "electricity", _("电表")
    GAS = "gas", _("燃气表")


METER_UNITS = {MeterKind.WATER: "吨", MeterKind.ELECTRICITY: "千瓦时", MeterKind.GAS: "立方米"}


class GreeningKind(models.TextChoices):
    TREE_PRUNING = "tree_pruning", _("乔木修剪")
    HEDGE_PRUNING = "hedge_pruning", _("绿篱修剪")
    WATERING = "watering", _("浇水")
    PEST_CONTROL = "pest_control", _("病虫害防治")
    FERTILISING = "fertilising", _("施肥")
    WEEDING = "weeding", _("除草")
    OTHER = "other", _("其他")


class GreeningFrequency(models.TextChoices):
    WEEKLY = "weekly", _("每周一次")
    MONTHLY = "monthly", _("所列月份每月一次")


class TaskStatus(BadgeChoices):
    OPEN = "open", _("待完成")
    DONE = "done", _("已完成")
    __colors__ = {"open": "warning", "done": "success"}


class TaskAction(models.TextChoices):
    COMPLETE = "complete", _("完成")

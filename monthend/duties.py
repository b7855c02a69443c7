"""The duty calendar (行事历): the default calendar from the seeds and when a duty falls due."""

import calendar
import datetime

from .choices import DutyCategory as C
from .choices import Recurrence as R

# (key, title, category, recurrence, month, weekday, day) -- from the schools' own 行事历 (seeds/).
DEFAULT_DUTIES = [
    ("fire-selfcheck", "消防设备自检", C.SAFETY, R.MONTHLY, None, None, 5),
    ("toys-sports-check", "大型玩具、体育器材安全检查", C.SAFETY, R.MONTHLY, None, None, 15),
    ("weekly-power-doors", "水电线路、门窗安全检查", C.SAFETY, R.WEEKLY, None, 0, 1),
    ("desk-allocation", "桌凳调配", C.ASSETS, R.SEMESTER_START, None, None, 5),
    ("asset-count", "资产清点", C.ASSETS, R.SEMESTER_START, None, None, 15),
    ("property-check", "财产清查验收", C.ASSETS, R.SEMESTER_END, None, None, 10),
    ("water-filter", "直饮水更换滤芯", C.HYGIENE, R.YEARLY, 8, None, 25),
    ("water-clean", "纯净水设备消毒清洗", C.HYGIENE, R.YEARLY, 8, None, 25),
    ("aircon-clean", "空调清洗", C.ASSETS, R.YEARLY, 5, None, 20),
    ("canteen-equipment", "食堂电器设备、门窗全面检查修理", C.CANTEEN, R.YEARLY, 4, None, 20),
    ("mosquito", "灭蚊灭蝇、防暑降温准备", C.HYGIENE, R.YEARLY, 6, None, 10),
    ("return-loans", "归还出借物品", C.ASSETS, R.YEARLY, 7, None, 10),
    ("holiday-duty-plan", "安排国庆小长假值班计划", C.SAFETY, R.YEARLY, 9, None, 25),
    ("teaching-equipment", "教学设备检修", C.ASSETS, R.YEARLY, 11, None, 20),
    ("tree-pruning", "校园树木修剪、过冬准备", C.HYGIENE, R.YEARLY, 12, None, 15),
    ("satisfaction-survey", "后勤工作满意度测评", C.GENERAL, R.SEMESTER_END, None, None, 15),
]


def due_in_month(year, month, day):
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _months_between(start, end):
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def occurrences(duty, settings, start, end):
    """The due dates of `duty` within [start, end] (both inclusive)."""
    r = duty.recurrence
    found = []
    if r == R.DATE:
        if duty.date and start <= duty.date <= end:
            found.append(duty.date)
    elif r == R.WEEKLY:
        if duty.weekday is None:
            return []
        day = start + datetime.timedelta(days=(duty.weekday - start.weekday()) % 7)
        while day <= end:
            found.append(day)
            day += datetime.timedelta(days=7)
    else:
        if r == R.MONTHLY:
            months = set(range(1, 13))
        elif r == R.YEARLY:
            months = {duty.month} if duty.month else set()
        else:
            months = settings.semester_months(r)
        for y, m in _months_between(start, end):
            if m in months:
                due = due_in_month(y, m, duty.day or 1)
                if start <= due <= end:
                    found.append(due)
    return found


def week_bounds(day):
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)

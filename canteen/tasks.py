"""Scheduled canteen checks: thin and idempotent (notifications carry dedupe keys). SchoolTask: a
failing run is retried, then the directors are told."""

import datetime

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.models import School
from logistics.notifications import notify
from logistics.tasks import SchoolTask

from . import selectors
from .choices import Meal, MenuStatus
from .models import FoodSample, Supplier

LEADS = (Role.CANTEEN, Role.DIRECTOR)


@shared_task(base=SchoolTask)
def missing_sample_alerts(now_iso=None):
    """A meal on today's (or yesterday's) menu that has ended with no sample: tell the canteen lead."""
    now = datetime.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    today = timezone.localdate(now)
    sent = 0
    schools = list(School.objects.all())
    gaps = selectors.missing_meals_many(schools, today - datetime.timedelta(days=1), today, now=now)
    for school in schools:
        for day, meal in gaps.get(school.pk, []):
            label = Meal(meal).label
            sent += notify(
                school=school,
                title=_("%(m)d月%(d)d日%(meal)s没有留样记录") % {"m": day.month, "d": day.day, "meal": label},
                body=_("食谱中%(day)s%(meal)s有菜品，但餐后仍没有任何留样记录，请立即核查。")
                % {"day": f"{day:%Y-%m-%d}", "meal": label},
                url=reverse("canteen:sample_list") + f"?month={day:%Y-%m}",
                roles=LEADS,
                dedupe_key=f"canteen-nosample:{school.pk}:{day:%Y%m%d}:{meal}",
            )
    return sent


@shared_task(base=SchoolTask)
def discard_due_alerts(now_iso=None):
    """Once a day: the list of samples past their retention time, to be discarded and recorded."""
    now = datetime.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    today = timezone.localdate(now)
    counts = {}
    for sid in selectors.due_for_discard(FoodSample.objects.all(), now).values_list("school_id", flat=True):
        counts[sid] = counts.get(sid, 0) + 1
    sent = 0
    for school in School.objects.filter(pk__in=list(counts)):
        sent += notify(
            school=school,
            title=_("有 %(n)d 份留样已满保存期，可销毁") % {"n": counts[school.pk]},
            body=_("请核对后逐份记录销毁时间和销毁人。"),
            url=reverse("canteen:sample_due"),
            roles=LEADS,
            dedupe_key=f"canteen-discard:{school.pk}:{today:%Y%m%d}",
        )
    return sent


@shared_task(base=SchoolTask)
def supplier_licence_alerts(today_iso=None):
    """30 days before a supplier's licence expires (and once it has): tell the canteen lead."""
    today = datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    horizon = today + datetime.timedelta(days=30)
    sent = 0
    for s in Supplier.objects.filter(is_active=True).select_related("school").iterator():
        first = s.first_expiry()
        if first is None or first > horizon:
            continue
        state = _("已过期") if first < today else _("将于30天内到期")
        sent += notify(
            school=s.school,
            title=_("供应商「%(s)s」证照%(state)s（%(d)s）")
            % {"s": s.name, "state": state, "d": f"{first:%Y-%m-%d}"},
            body=_("证照过期的供应商送货将被拒收，请及时索取新证照。"),
            url=reverse("canteen:supplier_update", args=[s.pk]),
            roles=LEADS,
            dedupe_key=f"canteen-licence:{s.pk}:{first:%Y%m%d}:{'expired' if first < today else 'soon'}",
        )
    return sent


@shared_task(base=SchoolTask)
def menu_publish_reminders(today_iso=None):
    """On the school's publishing weekday (e.g. Thursday), remind if next week's menu is not published."""
    from .models import CanteenSettings, Menu
    from .services import week_start_of

    today = datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    next_week = week_start_of(today) + datetime.timedelta(days=7)
    due = CanteenSettings.objects.filter(menu_publish_weekday=today.weekday()).values_list(
        "school_id", flat=True
    )
    published = Menu.objects.filter(week_start=next_week, status=MenuStatus.PUBLISHED).values_list(
        "school_id", flat=True
    )
    sent = 0
    for school in School.objects.filter(pk__in=due).exclude(pk__in=published):
        sent += notify(
            school=school,
            title=_("下周（%(m)s月%(d)s日起）食谱尚未发布")
            % {"m": f"{next_week:%m}", "d": f"{next_week:%d}"},
            body=_("按本校规定今天应发布下周带量食谱，家长页面只显示已发布的食谱。"),
            url=reverse("canteen:menu_week", args=[next_week.isoformat()]),
            roles=LEADS,
            dedupe_key=f"canteen-menu-publish:{school.pk}:{next_week:%Y%m%d}",
        )
    return sent

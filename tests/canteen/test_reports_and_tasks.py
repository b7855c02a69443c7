"""Reports via the registry, month gaps, bureau metrics, scheduled checks, dashboard cards, demo data."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from canteen import bureau, reports, tasks
from canteen.choices import Meal
from canteen.models import CanteenSettings, FoodSample
from logistics.models import Notification
from logistics.reports import REGISTRY, Period
from tests.canteen.conftest import menu_with
from tests.canteen.test_samples import record
from tests.factories import SchoolFactory

KEYS = [
    "canteen.samples",
    "canteen.deliveries",
    "canteen.suppliers",
    "canteen.menus",
    "canteen.nutrition",
    "canteen.fees",
    "canteen.disinfection",
    "canteen.checks",
    "canteen.dining",
]


def _aware(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def two_days(school, canteen, fridge):
    """Lunch on the menu two days ago and yesterday; only one of them has samples."""
    today = timezone.localdate()
    d1, d2 = today - datetime.timedelta(days=2), today - datetime.timedelta(days=1)
    menu_with(school, d1, {Meal.LUNCH: ["米饭", "蒸蛋"]})
    menu_with(school, d2, {Meal.LUNCH: ["面条"]})
    CanteenSettings.objects.create(school=school, sample_photo_required=False)
    record(school, canteen, fridge, dish_name="米饭", photo=None, now=_aware(d1, 11, 40))
    return d1, d2


def test_it_registers_every_canteen_report(db):
    for key in KEYS:
        assert key in REGISTRY, key


@pytest.mark.parametrize("key", KEYS)
def test_it_downloads_each_report_as_excel_and_pdf(as_director, two_days, key):
    month = f"{timezone.localdate():%Y-%m}"
    for fmt in ("xlsx", "pdf"):
        response = as_director.get(reverse("reports:download", args=[key, fmt]) + f"?month={month}")
        assert response.status_code == 200
        assert len(b"".join(response.streaming_content)) > 500


def test_it_highlights_meals_with_no_samples_in_the_sample_log(school, two_days):
    d1, d2 = two_days
    period = Period(d1, d2)
    report = reports.sample_log(school, period)
    rows = list(report.rows)
    assert len(rows) == 2
    gap_rows = [rows[i] for i in report.highlight]
    assert gap_rows == [rows[1]] and rows[1][0] == d2 and "无留样" in rows[1][2]


def test_it_lists_month_gaps_for_the_pack_cover(school, two_days, django_assert_max_num_queries):
    d1, d2 = two_days
    period = Period.month(d2.year, d2.month)
    with django_assert_max_num_queries(4):
        gaps = reports.month_gaps(school, period)
    assert f"{d2.year}年{d2.month}月{d2.day}日 午餐无留样记录" in gaps
    assert not any(f"{d1.month}月{d1.day}日 午餐" in g for g in gaps)


def test_it_gives_the_bureau_a_sample_completeness_rate_in_fixed_queries(
    school, two_days, other_school, canteen
):
    extra = [SchoolFactory(district=school.district) for _ in range(5)]
    d1, d2 = two_days
    period = Period(d1, d2)
    schools = [school, other_school, *extra]
    with CaptureQueriesContext(connection) as ctx:
        result = bureau.metrics(schools, period)
    assert len(ctx.captured_queries) <= 3
    assert result[school.pk][0] == ("留样完整率", "50%", "danger")
    assert result[other_school.pk][0] == ("留样完整率", "无食谱", "warning")
    assert set(result) == {s.pk for s in schools}


def test_it_notifies_the_canteen_lead_once_when_a_meal_ended_without_samples(
    school, canteen, director, teacher
):
    today = timezone.localdate()
    menu_with(school, today, {Meal.LUNCH: ["米饭"]})
    before_end = _aware(today, 12, 0)
    after_end = _aware(today, 13, 0)
    assert tasks.missing_sample_alerts(before_end.isoformat()) == 0
    assert tasks.missing_sample_alerts(after_end.isoformat()) == 2
    assert tasks.missing_sample_alerts(after_end.isoformat()) == 0  # rerun: nobody twice
    assert {n.user for n in Notification.objects.all()} == {canteen, director}
    assert "午餐没有留样记录" in Notification.objects.first().title


def test_it_does_not_alert_when_the_meal_was_sampled(school, canteen, fridge):
    today = timezone.localdate()
    menu_with(school, today, {Meal.LUNCH: ["米饭"]})
    CanteenSettings.objects.create(school=school, sample_photo_required=False)
    record(school, canteen, fridge, photo=None, now=_aware(today, 11, 30))
    assert tasks.missing_sample_alerts(_aware(today, 14).isoformat()) == 0


def test_it_lists_samples_due_for_discard_once_a_day(school, canteen, director, fridge):
    record(school, canteen, fridge, now=timezone.now() - datetime.timedelta(hours=49))
    assert tasks.discard_due_alerts() == 2
    assert tasks.discard_due_alerts() == 0
    assert "1 份留样已满保存期" in Notification.objects.first().title


def test_it_shows_dashboard_cards_to_the_canteen_in_fixed_queries(as_canteen, school, canteen, fridge, lunch):
    for i in range(5):
        record(school, canteen, fridge, dish_name=f"额外{i}")
    response = as_canteen.get(reverse("dashboard"))
    assert "今日留样" in response.content.decode()
    from canteen.dashboard import cards

    request = response.wsgi_request
    with CaptureQueriesContext(connection) as ctx:
        found = cards(request)
    assert len(ctx.captured_queries) <= 5 and found[0].title == "今日留样"


def test_it_shows_no_canteen_cards_to_a_teacher(as_teacher):
    assert "今日留样" not in as_teacher.get(reverse("dashboard")).content.decode()


def test_it_seeds_demo_data_quickly_and_idempotently(db, settings):
    from canteen import demo
    from logistics.demo import seed_organisation

    _district, schools = seed_organisation()
    started = time.monotonic()
    for s in schools:
        demo.seed(s)
    elapsed = time.monotonic() - started
    count = FoodSample.objects.count()
    for s in schools:
        demo.seed(s)
    assert FoodSample.objects.count() == count > 100
    assert elapsed < 6, elapsed
    kg = schools[0].school
    assert reports.month_gaps(kg, Period.current_month()) or reports.month_gaps(kg, Period.previous_month())


def test_it_reminds_on_the_publishing_weekday_until_next_weeks_menu_is_published(school, canteen, director):
    from canteen import services

    thursday = timezone.localdate() + datetime.timedelta(days=(3 - timezone.localdate().weekday()) % 7)
    CanteenSettings.objects.create(school=school, menu_publish_weekday=3)
    assert tasks.menu_publish_reminders((thursday - datetime.timedelta(days=1)).isoformat()) == 0
    assert tasks.menu_publish_reminders(thursday.isoformat()) == 2
    assert tasks.menu_publish_reminders(thursday.isoformat()) == 0
    Notification.objects.all().delete()
    next_week = services.week_start_of(thursday) + datetime.timedelta(days=7)
    menu = services.menu_for_week(school=school, week_start=next_week, by=canteen)
    services.dish_add(menu=menu, by=canteen, day=next_week, meal=Meal.LUNCH, name="米饭")
    services.menu_publish(menu=menu, by=canteen)
    assert tasks.menu_publish_reminders(thursday.isoformat()) == 0


def test_it_checks_every_school_for_missing_samples_in_fixed_queries(school, canteen, director):
    today = timezone.localdate()
    for _ in range(6):
        other = SchoolFactory(district=school.district)
        menu_with(other, today, {Meal.LUNCH: ["米饭"]})
    menu_with(school, today, {Meal.LUNCH: ["米饭"]})
    from canteen import selectors
    from logistics.models import School

    schools = list(School.objects.all())
    with CaptureQueriesContext(connection) as ctx:
        gaps = selectors.missing_meals_many(schools, today, today, now=_aware(today, 14))
    assert len(ctx.captured_queries) == 3  # menus, samples, settings: whatever the number of schools
    assert len(gaps) == 7


def test_it_reads_one_row_per_meal_not_per_dish_for_completeness(school, canteen, fridge):
    from canteen import selectors

    today = timezone.localdate()
    menu_with(school, today, {Meal.LUNCH: ["米饭", "蒸蛋", "青菜"]})
    CanteenSettings.objects.create(school=school, sample_photo_required=False)
    for name in ("米饭", "蒸蛋", "青菜"):
        record(school, canteen, fridge, dish_name=name, photo=None)
    with CaptureQueriesContext(connection) as ctx:
        selectors.expected_pairs([school.pk], today, today)
        selectors.sampled_pairs([school.pk], today, today)
    for q in ctx.captured_queries:
        assert "ORDER BY" not in q["sql"] and "DISTINCT" in q["sql"]
    rows = list(
        FoodSample.objects.filter(school=school).order_by().values_list("school_id", "day", "meal").distinct()
    )
    assert len(rows) == 1

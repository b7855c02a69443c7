"""Meter readings: refusals, meter replacement, cost by tariff, leak/waste flag, the SVG charts."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from hygiene import services
from hygiene.charts import bar_chart
from hygiene.models import MeterReading
from logistics.models import Notification
from tests.helpers import assert_login_required, assert_status

from .conftest import errors


def month_back(n):
    month = timezone.localdate().replace(day=1)
    for _i in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def read(meter, by, back, value, **extra):
    return services.meter_reading_record(
        meter=meter, by=by, month=month_back(back), value=Decimal(value), read_on=month_back(back), **extra
    )


def post_reading(client, meter, month, value, **extra):
    data = {"month": f"{month:%Y-%m}", "value": value, "read_on": timezone.localdate().isoformat()}
    data.update(extra)
    return client.post(reverse("hygiene:reading_create", args=[meter.pk]), data)


def test_it_records_monthly_readings_with_consumption_and_cost(as_staff, staff, water_meter):
    assert post_reading(as_staff, water_meter, month_back(2), "1000").status_code == 302
    assert post_reading(as_staff, water_meter, month_back(1), "1210.5").status_code == 302
    first, second = MeterReading.objects.order_by("month")
    assert first.consumption is None and first.cost is None  # the first reading is the baseline
    assert second.consumption == Decimal("210.50")
    assert second.cost == Decimal("884.10")  # 210.5 t × 4.20 元
    assert second.read_by == staff


def test_it_refuses_a_reading_lower_than_the_last_one(as_staff, staff, water_meter):
    read(water_meter, staff, 2, "1000")
    response = post_reading(as_staff, water_meter, month_back(1), "990")
    assert any("低于上次读数" in e for e in errors(response))
    assert MeterReading.objects.count() == 1


def test_it_accepts_a_lower_reading_marked_as_a_meter_replacement(as_staff, staff, water_meter):
    read(water_meter, staff, 2, "1000")
    response = post_reading(
        as_staff, water_meter, month_back(1), "35", is_replacement="on", old_final="1150", new_start="0"
    )
    assert response.status_code == 302, errors(response)
    reading = MeterReading.objects.get(month=month_back(1))
    assert reading.is_replacement and reading.consumption == Decimal(
        "185.00"
    )  # 150 on the old + 35 on the new


def test_a_replacement_needs_the_old_meters_final_reading(as_staff, staff, water_meter):
    read(water_meter, staff, 2, "1000")
    response = post_reading(as_staff, water_meter, month_back(1), "35", is_replacement="on", new_start="0")
    assert any("旧表拆除" in e for e in errors(response))
    response = post_reading(
        as_staff, water_meter, month_back(1), "35", is_replacement="on", old_final="900", new_start="0"
    )
    assert any("不能低于上次读数" in e for e in errors(response))
    assert MeterReading.objects.count() == 1


def test_it_refuses_future_months_duplicates_backfills_and_negative_values(as_staff, staff, water_meter):
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    assert errors(post_reading(as_staff, water_meter, next_month, "10"))
    assert errors(post_reading(as_staff, water_meter, month_back(1), "-1"))
    read(water_meter, staff, 1, "100")
    assert any("本月已抄表" in e for e in errors(post_reading(as_staff, water_meter, month_back(1), "120")))
    assert any("更晚月份" in e for e in errors(post_reading(as_staff, water_meter, month_back(3), "50")))
    assert MeterReading.objects.count() == 1


def test_a_month_over_one_and_a_half_times_the_last_three_is_flagged_and_notified_once(
    staff, director, water_meter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for back, value in [(5, 1000), (4, 1200), (3, 1400), (2, 1600)]:
            assert not read(water_meter, staff, back, value).flagged
        # average of the last three is 200: 300 is exactly 1.5× (not over), 301 would be
        assert not read(water_meter, staff, 1, 1900).flagged
    with django_capture_on_commit_callbacks(execute=True):
        spike = read(water_meter, staff, 0, 2400)  # 500 > 1.5 × avg(200, 200, 300)
    assert spike.flagged and spike.baseline == Decimal("233.33")
    alerts = Notification.objects.filter(title__contains="用量异常")
    assert {n.user for n in alerts} == {director, staff}
    services.meter_spike_alert(reading_id=spike.pk)  # a rerun tells nobody twice
    assert Notification.objects.filter(title__contains="用量异常").count() == 2


def test_no_flag_without_three_months_of_history(staff, water_meter):
    read(water_meter, staff, 3, 0)
    read(water_meter, staff, 2, 10)
    assert not read(water_meter, staff, 1, 1000).flagged


def test_the_meter_page_draws_an_svg_trend_with_the_flagged_month_in_red(as_director, staff, water_meter):
    for back, value in [(5, 1000), (4, 1200), (3, 1400), (2, 1600), (1, 2400)]:
        read(water_meter, staff, back, value)
    html = as_director.get(reverse("hygiene:meter_detail", args=[water_meter.pk])).content.decode()
    assert "<svg" in html and 'class="trend-chart"' in html
    assert html.count('fill="#dc3545"') >= 1  # the flagged bar
    assert "前三月平均" in html
    assert "<script" not in html.split('data-testid="usage-chart"')[1].split("</div>")[0]
    overview = as_director.get(reverse("hygiene:meter_list")).content.decode()
    assert 'data-testid="cost-chart"' in overview and "水费" in overview


def test_chart_labels_are_escaped():
    svg = bar_chart(["<b>"], [("<script>", [Decimal(3)], None)], title="<x>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_meter_permissions(as_teacher, as_accountant, as_outsider, as_staff, water_meter, foreign_meter):
    url = reverse("hygiene:reading_create", args=[water_meter.pk])
    assert_status(as_teacher, reverse("hygiene:meter_list"), 403)
    assert_status(as_accountant, reverse("hygiene:meter_list"), 200)
    assert_status(as_accountant, url, 403, method="post", data={"month": "2026-01", "value": "1"})
    assert_status(as_outsider, url, 404)
    assert_status(as_staff, reverse("hygiene:reading_create", args=[foreign_meter.pk]), 404)
    assert_status(as_outsider, reverse("hygiene:meter_detail", args=[water_meter.pk]), 404)
    assert_login_required(url)
    assert MeterReading.objects.count() == 0


def test_a_meter_needs_a_sane_tariff(as_staff, campus):
    url = reverse("hygiene:meter_create")
    data = {
        "campus": campus.pk,
        "kind": "electricity",
        "name": "教学楼电表",
        "unit_price": "-0.6",
        "is_active": "on",
    }
    assert errors(as_staff.post(url, data))
    assert errors(as_staff.post(url, {**data, "unit_price": "0.123456"}))
    assert as_staff.post(url, {**data, "unit_price": "0.6500"}).status_code == 302


def test_the_meter_list_query_count_is_fixed(as_staff, staff, school, campus, django_assert_max_num_queries):
    from hygiene.models import Meter

    for i in range(10):
        m = Meter.objects.create(
            school=school, campus=campus, kind="electricity", name=f"电表{i}", unit_price=1
        )
        read(m, staff, 2, 10)
        read(m, staff, 1, 20)
    with django_assert_max_num_queries(12):
        assert as_staff.get(reverse("hygiene:meter_list")).status_code == 200


def test_an_inactive_meter_takes_no_readings(staff, water_meter):
    water_meter.is_active = False
    water_meter.save()
    with pytest.raises(ValidationError):
        read(water_meter, staff, 1, 10)


def test_the_school_sets_its_own_spike_factor(as_director, as_health, staff, water_meter):
    url = reverse("hygiene:settings")
    assert errors(as_director.post(url, {"spike_factor": "0.5", "cluster_threshold": 2}))
    assert errors(as_director.post(url, {"spike_factor": "50", "cluster_threshold": 2}))
    assert as_director.post(url, {"spike_factor": "2.00", "cluster_threshold": 3}).status_code == 302
    for back, value in [(4, 1000), (3, 1200), (2, 1400), (1, 1600)]:
        read(water_meter, staff, back, value)
    assert not read(water_meter, staff, 0, 1950).flagged  # 350 is 1.75×: below this school's 2×
    assert as_health.get(url).status_code == 200

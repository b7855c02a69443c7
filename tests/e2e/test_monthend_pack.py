"""Browser: the director regenerates and downloads the month pack; the bureau compares schools;
staff tick off this week's duties. Desktop, tablet and phone."""

import pytest
from django.utils import timezone

from logistics.reports import Period
from monthend import duties, services
from monthend.models import Duty, DutyTask, MonthPack
from tests.e2e.conftest import login, screenshot
from tests.monthend.conftest import test_reports  # noqa: F401  (fixture)

OCT = Period.month(2026, 10)


def _no_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


@pytest.mark.usefixtures("test_reports")
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_director_makes_a_new_version_and_downloads_it(
    live_server, new_page, school, director, device, tmp_path
):
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    services.pack_build(pack_id=pack.pk)
    page = new_page(device)
    login(page, live_server, "p_director")
    page.goto(f"{live_server.url}/monthend/")
    page.select_option("select[name=month]", "2026-10")
    page.click("[data-testid=regenerate-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert", has_text="第2版").is_visible()
    assert MonthPack.objects.filter(school=school, month="2026-10").count() == 2
    assert page.locator("[data-testid=pack-table] tbody tr").count() == 2
    assert _no_overflow(page)
    screenshot(page, f"monthend-packs-director-{device}")
    with page.expect_download() as info:
        page.locator("[data-testid=pack-table] a", has_text="PDF").first.click()
    download = info.value
    assert download.suggested_filename == "KG001-2026-10-月报-v2.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes()[:5] == b"%PDF-"


@pytest.mark.usefixtures("test_reports")
@pytest.mark.parametrize("device", ["desktop", "tablet", "phone"])
def test_the_bureau_compares_its_schools_and_enters_one_read_only(
    live_server, new_page, school, other_school, bureau, device
):
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    services.pack_build(pack_id=pack.pk)
    page = new_page(device)
    login(page, live_server, "p_bureau")
    page.goto(f"{live_server.url}/monthend/bureau/?month=2026-10")
    table = page.locator("[data-testid=bureau-table]")
    assert table.get_by_text("阳光幼儿园").is_visible() and table.get_by_text("另一所小学").is_visible()
    assert page.locator("[data-testid=zip-all]").is_visible()
    assert _no_overflow(page)
    screenshot(page, f"monthend-bureau-{device}")
    table.locator("tr", has_text="另一所小学").get_by_role("button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1", has_text="今日工作").is_visible()
    page.goto(f"{live_server.url}/monthend/duties/")
    assert page.locator("[data-testid=task-table]").is_visible()


@pytest.mark.parametrize("device", ["tablet", "phone"])
def test_staff_tick_off_this_weeks_duty(live_server, new_page, school, staff, director, device):
    services.calendar_settings(school)
    duty = Duty.objects.get(school=school, title="消防设备自检")
    _monday, sunday = duties.week_bounds(timezone.localdate())
    task = DutyTask.objects.create(school=school, duty=duty, title=duty.title, due_on=sunday)
    page = new_page(device)
    login(page, live_server, "p_staff")
    assert page.get_by_text("本周行事历").is_visible()
    page.goto(f"{live_server.url}/monthend/duties/")
    row = page.locator("[data-testid=task-table] tr", has_text="消防设备自检")
    row.locator("input[name=comment]").fill("灭火器、消防栓、应急灯均正常")
    row.locator(f"[data-testid=complete-{task.pk}]").click()
    page.wait_for_load_state("networkidle")
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == staff
    assert _no_overflow(page)
    screenshot(page, f"monthend-duties-staff-{device}")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_bureau_sees_every_apps_metrics_without_the_page_overflowing(
    live_server, new_page, school, other_school, bureau, device
):
    from monthend.hooks import bureau_metrics

    labels, _table, errors = bureau_metrics([school, other_school], OCT)
    page = new_page(device)
    login(page, live_server, "p_bureau")
    page.goto(f"{live_server.url}/monthend/bureau/?month=2026-10")
    headers = page.locator("[data-testid=bureau-table] thead th").all_inner_texts()
    assert headers[2:-1] == labels and not errors
    assert _no_overflow(page)  # a wide table scrolls inside its own box
    screenshot(page, f"monthend-bureau-metrics-{device}")

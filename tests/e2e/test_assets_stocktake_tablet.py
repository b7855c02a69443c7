"""Staff count one room on a 768-px tablet: a scanner types codes (and Enter) into the field."""

import datetime
from decimal import Decimal

from assets import services
from assets.choices import LineResult, StocktakeKind
from assets.models import AssetCategory, StocktakeLine
from tests.e2e.conftest import login, screenshot
from tests.factories import RoomFactory


def test_it_lets_staff_stocktake_one_room_on_a_tablet(
    transactional_db, live_server, new_page, school, room, staff
):
    services.ensure_standard_categories()  # transactional tests flush the migration's rows
    cat = AssetCategory.objects.get(school__isnull=True, code="201")
    kw = dict(
        school=school,
        by=staff,
        unit_price=Decimal("3000"),
        category=cat,
        purchase_date=datetime.date(2025, 1, 1),
    )
    here = services.asset_register(name="一体机", room=room, units=3, **kw)
    elsewhere = services.asset_register(
        name="打印机", room=RoomFactory(school=school, campus=room.campus), **kw
    )[0]
    st = services.stocktake_open(
        school=school, by=staff, title="期末清点", kind=StocktakeKind.TERM_END, rooms=[room]
    )

    page = new_page("tablet")
    login(page, live_server, staff.username)
    page.goto(f"{live_server.url}/assets/stocktakes/{st.pk}/")
    page.get_by_role("link", name=f"{room.campus.name}·{room.name}").first.click()
    page.wait_for_url(f"**/stocktakes/{st.pk}/rooms/{room.pk}/")
    scan = page.locator("[data-testid=scan-input]")
    for code, expected in (
        (here[0].code, "相符"),
        (here[1].code, "相符"),
        (elsewhere.code, "位置不符"),
        ("ZZ-UNKNOWN", "盘盈"),
    ):
        scan.fill(code)
        scan.press("Enter")  # what a barcode scanner does after the code
        page.wait_for_load_state("networkidle")
        assert expected in page.locator("[data-testid=scan-result]").inner_text()
        scan = page.locator("[data-testid=scan-input]")
        assert scan.evaluate("el => el === document.activeElement"), "the field keeps focus for the next scan"
    # the third one is ticked by hand
    page.get_by_role("button", name="在").click()
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"stocktake page is {overflow}px too wide on a tablet"
    screenshot(page, "assets-stocktake-room-tablet")
    results = dict(StocktakeLine.objects.filter(stocktake=st).values_list("code", "result"))
    assert results[here[2].code] == LineResult.FOUND
    assert results[elsewhere.code] == LineResult.WRONG_ROOM
    assert results["ZZ-UNKNOWN"] == LineResult.UNKNOWN
    assert "相符 3" in page.locator("[data-testid=room-counts]").inner_text().replace("\n", " ")

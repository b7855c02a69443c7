"""A teacher raises a repair from a 390-px phone in well under a minute."""

import io
import time

from PIL import Image

from assets.models import RepairRequest
from tests.e2e.conftest import login, screenshot


def test_it_lets_a_teacher_raise_a_repair_on_a_phone(
    transactional_db, live_server, new_page, school, room, teacher, tmp_path
):
    photo = tmp_path / "leak.png"
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(buf, "PNG")
    photo.write_bytes(buf.getvalue())

    page = new_page("phone")
    login(page, live_server, teacher.username)
    start = time.monotonic()
    page.goto(f"{live_server.url}/assets/repairs/new/")
    page.select_option("select[name=room]", str(room.pk))
    page.fill("textarea[name=description]", "卫生间水龙头漏水")
    page.get_by_text("紧急", exact=True).click()
    page.set_input_files("input[name=photo]", str(photo))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"repair form is {overflow}px too wide on a phone"
    screenshot(page, "assets-repair-form-phone")
    page.click("[data-testid=repair-submit]")
    page.wait_for_url("**/assets/repairs/*/", timeout=15000)
    elapsed = time.monotonic() - start
    assert page.locator("[data-testid=repair-status]").inner_text().startswith("待派单")
    screenshot(page, "assets-repair-raised-phone")
    repair = RepairRequest.objects.get()
    assert repair.urgency == "urgent" and repair.room == room and repair.requested_by == teacher
    from logistics.attachments import attachments_for

    assert attachments_for(repair).count() == 1
    assert elapsed < 60

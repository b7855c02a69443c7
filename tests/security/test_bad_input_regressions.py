"""Regressions for what the generated bad-input tests found (issue #10), one plain test each.

* canteen: an empty POST to the food-sample form was a 500 (errors added to an unbound form);
* uploads: a truncated JPEG passed the image check (verify() does not decode JPEG data) and failed
  while being re-encoded: a 500 on every form that takes a photo;
* asset import: a workbook with broken XML, or "inf" as a quantity, was a 500;
* formsets: a tampered TOTAL_FORMS made the server build and render max_num + 1000 forms (about 12 s
  of CPU and 9 MB of HTML for one delivery POST);
* canteen month-end count: 999,999,999 passed the check but not the decimal(10, 2) column
  (a 500 on PostgreSQL, stored on SQLite);
* NUL in text that views read without a form (safety inspection and self-check notes, an asset loan's
  return comment, a maintenance task's note, a menu's withdrawal comment) reached the database: stored
  on SQLite, a 500 on PostgreSQL;
* "next" after an action: a word that is not a path was a 500 (redirect() took it for a view name),
  and in two views any site was followed (an open redirect);
* safety checklist template: ?item=abc was a 500.

And two checks of the harness itself (badinput.Watch), so "nothing written" is never vacuous.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from logistics.attachments import save_attachment
from logistics.choices import Role
from logistics.models import Attachment, Room
from tests.security.badinput import Watch, noisy_jpeg, post_watched, surviving_writes
from tests.security.matrix import World
from tests.security.test_bad_formsets import delivery, morning_check, payload, purchase_request, reimbursement

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def test_it_answers_an_empty_food_sample_post_with_form_errors(client_for, canteen):
    client = client_for(canteen)
    client.get(reverse("canteen:sample_create"))  # the school's canteen settings are made on first use
    with Watch() as watch:
        response = client.post(reverse("canteen:sample_create"), {})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not watch.problems()


def test_it_refuses_a_truncated_jpeg_as_not_an_image(school, director):
    import weasyprint  # noqa: F401 - sets PIL's LOAD_TRUNCATED_IMAGES, as any process that drew a PDF
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    data = noisy_jpeg()
    upload = SimpleUploadedFile("cut.jpg", data[: len(data) // 2], content_type="image/jpeg")
    with pytest.raises(ValidationError, match="不是有效的图片"):
        save_attachment(school=school, by=director, upload=upload, images_only=True)
    assert not Attachment.objects.exists()


def test_it_answers_a_truncated_photo_with_a_form_error(as_teacher, room):
    data = noisy_jpeg()
    upload = SimpleUploadedFile("cut.jpg", data[: len(data) // 2], content_type="image/jpeg")
    post = {"room": room.pk, "description": "灯管不亮", "urgency": "normal", "photo": upload}
    with Watch() as watch:
        response = as_teacher.post(reverse("assets:repair_create"), post)
    assert response.status_code == 400  # a form with errors (logistics.actions)
    assert "不是有效的图片" in str(response.context["form"].errors["photo"])
    assert not watch.problems()


def _xlsx(rows):
    from openpyxl import Workbook

    from assets.importer import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([c[0] for c in COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _broken_workbook():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<x")
        z.writestr("xl/workbook.xml", "<<<")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_broken_workbook(), "无法读取 Excel 文件"),
        (_xlsx([["", "办公桌", "601", "", 1200, "inf", "2024-09-01"]]), "数量应为 1 到 1000 的整数"),
    ],
    ids=["broken-xml", "units-inf"],
)
def test_it_refuses_a_broken_workbook_with_a_form_error(as_director, content, message):
    upload = SimpleUploadedFile("assets.xlsx", content)
    with Watch() as watch:
        response = as_director.post(reverse("assets:import"), {"file": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not watch.problems()


@pytest.mark.parametrize(
    ("app", "build"),
    [
        ("canteen", delivery),
        ("finance", purchase_request),
        ("finance", reimbursement),
        ("hygiene", morning_check),
    ],
    ids=["delivery", "purchase-request", "reimbursement", "morning-check"],
)
def test_it_builds_at_most_max_num_forms_for_a_tampered_total(app, build):
    world = World([app])
    spec = build(world)
    data = payload(spec, spec.rows)
    data[f"{spec.prefix}-TOTAL_FORMS"] = "100000"
    response, watch = post_watched(world.clients[spec.client_role], spec.url, data, world, rollback=True)
    formset = response.context["formset"]
    assert len(formset.forms) <= formset.max_num
    assert formset.non_form_errors()
    assert not watch.problems()


def test_it_refuses_a_month_end_count_beyond_reason():
    world = World(["canteen"])
    from canteen.models import PantryBatch

    batch = PantryBatch.objects.filter(school=world.own, quantity_left__gt=0).first()
    with Watch(world) as watch:
        response = world.clients[Role.DIRECTOR].post(
            reverse("canteen:pantry_count"), {f"b{batch.pk}": "999999999"}
        )
    assert response.status_code == 400
    assert "实盘数量不合理" in response.content.decode()
    assert not watch.problems()


def test_it_refuses_nul_in_inspection_and_self_check_notes():
    world = World(["safety"])
    from safety import services
    from safety.choices import InspectionKind

    director = world.users[Role.DIRECTOR]
    inspection, _created = services.inspection_create(
        school=world.own, kind=InspectionKind.WEEKLY, day=TODAY(), by=director, assigned_to=None
    )
    item = inspection.items.first()
    check, _created = services.fire_selfcheck_start(school=world.own, by=director, month=TODAY())
    check_item = check.items.first()
    client = world.clients[Role.DIRECTOR]
    cases = [
        (reverse("safety:inspection_detail", kwargs={"pk": inspection.pk}), f"{item.pk}", "pass"),
        (reverse("safety:selfcheck_detail", kwargs={"pk": check.pk}), f"{check_item.pk}", "ok"),
    ]
    for url, key, result in cases:
        data = {"action": "save", f"result_{key}": result, f"note_{key}": "正常\x00"}
        with Watch(world) as watch:
            response = client.post(url, data)
        assert not watch.problems(), url
        # refused before the view by logistics.middleware.RefuseNulCharacters (the views check too)
        assert response.status_code == 400
        assert "NUL" in response.content.decode()


@pytest.mark.parametrize("target", ["NULL", "2026-02-30", "https://evil.example/", "//evil.example/x"])
def test_it_goes_back_only_to_a_page_of_this_site(target):
    world = World(["safety", "hygiene", "finance"])
    from hygiene.models import HygieneProblem
    from safety.models import Visitor

    visitor = Visitor.objects.filter(school=world.own).first()
    problem = HygieneProblem.objects.filter(school=world.own).first()
    posts = [
        (reverse("safety:visitor_out", kwargs={"pk": visitor.pk}), Role.DIRECTOR),
        (reverse("hygiene:problem_correct", kwargs={"pk": problem.pk}), Role.DIRECTOR),
    ]
    from finance.models import PurchaseRequest

    req = PurchaseRequest.objects.filter(school=world.own).first()
    posts.append((reverse("finance:request_decide", kwargs={"pk": req.pk}), Role.PRINCIPAL))
    from tests.security.matrix import M

    task = M.duty_task(world, world.own)
    posts.append(
        (reverse("monthend:task_action", kwargs={"pk": task.pk, "action": "complete"}), Role.DIRECTOR)
    )
    for url, role in posts:
        response, _watch = post_watched(world.clients[role], url, {"next": target}, world, rollback=True)
        assert response.status_code == 302, (url, response.status_code)
        location = response["Location"]
        assert location.startswith("/") and not location.startswith("//"), (url, location)
        assert "evil" not in location and location != target


def test_it_answers_a_tampered_checklist_item_id_with_a_404():
    world = World(["safety"])
    url = reverse("safety:template_edit", kwargs={"kind": "weekly"})
    for item in ["abc", "1.5", "9" * 30, "-1"]:
        assert world.clients[Role.DIRECTOR].get(url, {"item": item}).status_code == 404


@pytest.mark.parametrize(
    ("app", "name", "key"),
    [
        ("assets", "assets:loan_return", "comment"),
        ("assets", "assets:maintenance_task_done", "note"),
        ("canteen", "canteen:menu_unpublish", "comment"),
    ],
)
def test_it_refuses_nul_in_an_action_comment(app, name, key):
    from tests.security.matrix import kwargs_for
    from tests.security.url_table import URLS

    world = World([app])
    url = reverse(name, kwargs=kwargs_for(world, name, URLS[name], world.own))
    response, watch = post_watched(
        world.clients[Role.DIRECTOR], url, {key: "已归还\x00"}, world, rollback=True
    )
    assert response.status_code == 400  # logistics.middleware.RefuseNulCharacters
    assert not watch.nul_tables and not watch.problems()


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("assets:asset_list", {"q": "电脑\x00"}),
        ("safety:hazard_list", {"status\x00": "open"}),
        ("canteen:sample_list", {"month": "\x00"}),
    ],
)
def test_it_refuses_nul_in_a_query_string_before_any_view(name, params):
    world = World(["assets", "safety", "canteen"])
    response = world.clients[Role.DIRECTOR].get(reverse(name), params)
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


# --- the harness itself -----------------------------------------------------------------------------
def test_the_write_watch_sees_an_update_that_changes_no_count(school):
    room = Room.objects.filter(school=school).first() or Room.objects.create(
        school=school, campus=school.campus_set.first(), name="测试"
    )
    with Watch(objects=[room]) as watch:
        Room.objects.filter(pk=room.pk).update(name="改名")
    assert not watch.changed_tables()
    assert watch.writes and "the edited object changed" in watch.problems()


def test_the_write_watch_discounts_writes_in_a_rolled_back_savepoint(school):
    with Watch() as watch, transaction.atomic():
        Room.objects.create(school=school, campus=school.campus_set.first(), name="回滚")
        transaction.set_rollback(True)
    assert not watch.problems()
    queries = [
        {"sql": 'SAVEPOINT "s1"'},
        {"sql": 'INSERT INTO "a" VALUES (1)'},
        {"sql": 'SAVEPOINT "s2"'},
        {"sql": 'UPDATE "b" SET x = 1'},
        {"sql": 'ROLLBACK TO SAVEPOINT "s2"'},
        {"sql": 'RELEASE SAVEPOINT "s2"'},
        {"sql": 'RELEASE SAVEPOINT "s1"'},
        {"sql": None},
        {"sql": 'DELETE FROM "django_session" WHERE 1'},
    ]
    assert surviving_writes(queries) == ["a"]

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from safety.models import PickupException, SafetySettings, Visitor
from safety.validators import validate_id_number
from tests.helpers import assert_login_required, assert_status, form_errors

from .conftest import valid_id

ID = valid_id()  # 11010519491231002X (the standard's own example)


def _data(**kw):
    return {
        "name": "张伟",
        "id_number": ID,
        "phone": "13900000000",
        "organisation": "自来水公司",
        "reason": "水表检修",
        "host": "李主任",
        "badge": "F01",
        "time_in": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        **kw,
    }


def test_it_validates_the_gb11643_checksum():
    assert ID == "11010519491231002X"
    validate_id_number(ID)
    validate_id_number(ID.lower())
    for bad in ("110105194912310021", "11010519491231002", "1101051949123100XX", "110105194913310028", "abc"):
        with pytest.raises(ValidationError):
            validate_id_number(bad)


def test_it_registers_a_visitor(as_guard, guard):
    r = as_guard.post(reverse("safety:visitor_new"), _data(id_number="110105 19491231 002x"))
    assert r.status_code == 302
    v = Visitor.objects.get()
    assert v.id_number == ID and v.registered_by == guard and v.time_out is None


def test_it_refuses_an_invalid_id_number_and_writes_nothing(as_guard):
    r = as_guard.post(reverse("safety:visitor_new"), _data(id_number="110105194912310021"))
    assert r.status_code == 400
    assert any("校验位" in e for e in form_errors(r))
    assert Visitor.objects.count() == 0


def test_it_refuses_a_time_in_the_future(as_guard):
    later = (timezone.localtime() + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = as_guard.post(reverse("safety:visitor_new"), _data(time_in=later))
    assert r.status_code == 400 and form_errors(r)
    assert Visitor.objects.count() == 0


def test_it_masks_the_id_number_in_the_list_for_everyone(as_guard, as_director, as_principal, guard, school):
    visitor = Visitor.objects.create(
        school=school, registered_by=guard, **{k: v for k, v in _data().items() if k != "time_in"}
    )
    url = reverse("safety:visitor_list")
    reveal = reverse("safety:visitor_id_number", args=[visitor.pk])
    for client in (as_guard, as_director, as_principal):
        page = client.get(url).content.decode()
        assert ID not in page and "1101**********002X" in page
    assert reveal in as_guard.get(url).content.decode()
    assert reveal not in as_principal.get(url).content.decode()


def test_it_shows_one_full_id_number_to_the_guard_and_director_and_logs_it(
    as_guard, as_director, as_principal, as_outsider, guard, school, caplog
):
    visitor = Visitor.objects.create(
        school=school, registered_by=guard, **{k: v for k, v in _data().items() if k != "time_in"}
    )
    url = reverse("safety:visitor_id_number", args=[visitor.pk])
    with caplog.at_level("INFO", logger="logistics.audit"):
        response = as_guard.get(url)
    assert response.status_code == 200 and ID in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert any(f"visitor {visitor.pk} shown to user {guard.pk}" in r.getMessage() for r in caplog.records)
    assert ID in as_director.get(url).content.decode()
    assert_status(as_principal, url, 403)
    assert_status(as_outsider, url, 404)


def test_it_masks_pickup_id_numbers_in_the_list(as_guard, as_principal, guard, school):
    pickup = PickupException.objects.create(
        school=school,
        recorded_by=guard,
        at=timezone.now(),
        child_name="小明",
        class_name="大一班",
        picker_name="王强",
        relation="舅舅",
        picker_id_number=ID,
        situation="家长临时委托",
    )
    page = as_guard.get(reverse("safety:pickup_list")).content.decode()
    assert ID not in page and "1101**********002X" in page
    url = reverse("safety:pickup_id_number", args=[pickup.pk])
    assert ID in as_guard.get(url).content.decode()
    assert_status(as_principal, url, 403)


def test_it_signs_a_visitor_out_once(as_guard, guard, school):
    v = Visitor.objects.create(
        school=school, registered_by=guard, **{k: v for k, v in _data().items() if k != "time_in"}
    )
    r = as_guard.post(reverse("safety:visitor_out", args=[v.pk]))
    assert r.status_code == 302
    v.refresh_from_db()
    first_out = v.time_out
    assert first_out is not None and v.signed_out_by == guard
    as_guard.post(reverse("safety:visitor_out", args=[v.pk]))
    v.refresh_from_db()
    assert v.time_out == first_out


def test_it_lists_visitors_still_inside_after_closing(as_guard, guard, school):

    settings = SafetySettings.for_school(school)
    settings.closing_time = datetime.time(0, 0)
    settings.save()
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Visitor.objects.create(
        school=school,
        registered_by=guard,
        time_in=yesterday,
        **{k: v for k, v in _data(name="滞留者").items() if k != "time_in"},
    )
    Visitor.objects.create(
        school=school,
        registered_by=guard,
        time_out=timezone.now(),
        **{k: v for k, v in _data(name="已离开").items() if k != "time_in"},
    )
    r = as_guard.get(reverse("safety:visitor_list"))
    inside = r.context["inside"]
    assert [v.name for v in inside] == ["滞留者"]
    assert r.context["after_closing"] and "已过闭园时间" in r.content.decode()


def test_it_guards_the_visitor_pages(as_teacher, as_outsider, as_bureau, guard, school):
    v = Visitor.objects.create(
        school=school, registered_by=guard, **{k: v for k, v in _data().items() if k != "time_in"}
    )
    assert_login_required(reverse("safety:visitor_new"))
    assert_status(as_teacher, reverse("safety:visitor_list"), 403)
    assert_status(as_teacher, reverse("safety:visitor_new"), 403)
    assert_status(as_bureau, reverse("safety:visitor_new"), 403)
    page = assert_status(as_bureau, reverse("safety:visitor_list"), 200).content.decode()
    assert ID not in page
    assert_status(as_outsider, reverse("safety:visitor_out", args=[v.pk]), 404, method="post")


def test_it_pins_the_visitor_list_query_count(as_guard, guard, school, django_assert_max_num_queries):
    Visitor.objects.bulk_create(
        Visitor(
            school=school,
            registered_by=guard,
            **{k: v for k, v in _data(name=f"访客{n}").items() if k != "time_in"},
        )
        for n in range(80)
    )
    as_guard.get(reverse("safety:visitor_list"))  # warm-up
    with django_assert_max_num_queries(12):
        r = as_guard.get(reverse("safety:visitor_list"))
    assert r.status_code == 200 and len(r.context["object_list"]) == 50


def test_it_records_a_pickup_exception(as_guard, as_principal, guard):
    data = {
        "child_name": "小明",
        "class_name": "大一班",
        "picker_name": "赵奶奶",
        "relation": "外婆",
        "picker_id_number": ID,
        "picker_phone": "13700000000",
        "situation": "非登记接送人",
        "parent_confirmed": "on",
    }
    r = as_guard.post(reverse("safety:pickup_new"), {**data, "picker_id_number": "123"})
    assert r.status_code == 400 and PickupException.objects.count() == 0
    r = as_guard.post(reverse("safety:pickup_new"), data)
    assert r.status_code == 302
    p = PickupException.objects.get()
    assert p.recorded_by == guard and p.parent_confirmed
    assert ID not in as_principal.get(reverse("safety:pickup_list")).content.decode()
    assert ID in as_guard.get(reverse("safety:pickup_id_number", args=[p.pk])).content.decode()


def test_it_keeps_id_numbers_out_of_the_change_log(as_guard, as_teacher):
    from django.contrib.contenttypes.models import ContentType

    from logistics.models import ChangeLog

    as_guard.post(reverse("safety:visitor_new"), _data())
    visitor = Visitor.objects.get()
    log = ChangeLog.objects.get(
        object_id=str(visitor.pk), content_type=ContentType.objects.get_for_model(Visitor)
    )
    assert log.after["id_number"] == "1101**********002X"
    ct = ContentType.objects.get_for_model(Visitor)
    page = as_teacher.get(reverse("object_history", args=[ct.pk, visitor.pk])).content.decode()
    assert ID not in page


def test_it_warns_the_guard_on_the_dashboard_after_closing(as_guard, guard, school):

    settings = SafetySettings.for_school(school)
    settings.closing_time = datetime.time(0, 0)
    settings.save()
    Visitor.objects.create(
        school=school, registered_by=guard, **{k: v for k, v in _data().items() if k != "time_in"}
    )
    page = as_guard.get(reverse("dashboard")).content.decode()
    assert "已过闭园时间 00:00" in page and "张伟" in page


def test_it_keeps_a_visitors_change_log_from_roles_without_visitor_access(as_guard, as_teacher, school):
    from django.contrib.contenttypes.models import ContentType

    as_guard.post(reverse("safety:visitor_new"), _data())
    visitor = Visitor.objects.get()
    url = reverse("object_history", args=[ContentType.objects.get_for_model(Visitor).pk, visitor.pk])
    assert_status(as_teacher, url, 403)
    assert_status(as_guard, url, 200)

import pytest
from django.urls import reverse

from logistics.choices import ChangeAction, Role, RoomType
from logistics.models import Campus, ChangeLog, Membership, Room, display_name
from tests.factories import RoomFactory
from tests.helpers import assert_login_required, assert_status, form_errors

pytestmark = pytest.mark.django_db


def test_it_redirects_anonymous_users_to_login(school):
    for name in [
        "dashboard",
        "org:campus_list",
        "org:room_list",
        "org:member_list",
        "org:staff_list",
        "org:certificates_expiring",
        "notifications",
        "reports:index",
    ]:
        assert_login_required(reverse(name))


def test_it_lets_the_director_add_a_room_with_a_responsible_person(as_director, school, campus, teacher):
    response = as_director.post(
        reverse("org:room_create"),
        {
            "campus": campus.pk,
            "name": "科学发现室",
            "code": "F-101",
            "room_type": RoomType.FUNCTION,
            "building": "综合楼",
            "floor": 2,
            "responsible": teacher.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    room = Room.objects.get(name="科学发现室")
    assert room.school == school and room.responsible == teacher
    assert ChangeLog.objects.filter(object_id=str(room.pk), action=ChangeAction.CREATE).exists()


def test_it_refuses_a_room_in_another_schools_campus(as_director, other_school):
    foreign_campus = other_school.campus_set.first()
    response = as_director.post(
        reverse("org:room_create"),
        {
            "campus": foreign_campus.pk,
            "name": "偷来的房间",
            "room_type": RoomType.OFFICE,
        },
    )
    assert response.status_code == 200
    assert form_errors(response)
    assert not Room.objects.filter(name="偷来的房间").exists()


def test_it_refuses_a_responsible_person_from_another_school(as_director, campus, outsider):
    response = as_director.post(
        reverse("org:room_create"),
        {
            "campus": campus.pk,
            "name": "大二班",
            "room_type": RoomType.CLASSROOM,
            "responsible": outsider.pk,
        },
    )
    assert response.status_code == 200 and form_errors(response)
    assert not Room.objects.filter(name="大二班").exists()


def test_it_rejects_an_absurd_floor_with_a_chinese_message(as_director, campus):
    response = as_director.post(
        reverse("org:room_create"),
        {
            "campus": campus.pk,
            "name": "高楼",
            "room_type": RoomType.OFFICE,
            "floor": 999,
        },
    )
    assert "楼层应在 -5 到 60 之间。" in form_errors(response)


def test_it_forbids_teachers_from_managing_the_school(as_teacher, campus, room):
    assert_status(as_teacher, reverse("org:room_create"), 403)
    assert_status(as_teacher, reverse("org:room_update", args=[room.pk]), 403)
    assert_status(as_teacher, reverse("org:member_list"), 403)
    assert_status(as_teacher, reverse("org:campus_create"), 403, method="post", data={"name": "x"})
    assert_status(as_teacher, reverse("org:room_list"), 200)


def test_it_answers_404_for_another_schools_room(as_director, other_room):
    assert_status(as_director, reverse("org:room_update", args=[other_room.pk]), 404)
    response = as_director.post(reverse("org:room_update", args=[other_room.pk]), {"name": "改名"})
    assert response.status_code == 404
    other_room.refresh_from_db()
    assert other_room.name == "一(1)班"


def test_it_lists_only_the_current_schools_rooms(as_director, room, other_room):
    response = as_director.get(reverse("org:room_list"))
    names = [r.name for r in response.context["object_list"]]
    assert room.name in names and other_room.name not in names


def test_it_filters_rooms_by_type_and_keeps_queries_fixed(
    as_director, school, campus, django_assert_max_num_queries
):
    for i in range(30):
        RoomFactory(school=school, campus=campus, name=f"办公室{i}", room_type=RoomType.OFFICE)
    with django_assert_max_num_queries(14):
        response = as_director.get(reverse("org:room_list"), {"type": RoomType.OFFICE})
    assert len(response.context["object_list"]) == 30


def test_it_lets_the_director_manage_campuses(as_director, school):
    as_director.post(reverse("org:campus_create"), {"name": "航星分部", "address": "航星路 8 号"})
    assert Campus.objects.filter(school=school, name="航星分部").exists()
    response = as_director.post(reverse("org:campus_create"), {"name": "航星分部"})
    assert response.status_code == 200 and form_errors(response)
    assert Campus.objects.filter(school=school, name="航星分部").count() == 1


def test_it_adds_a_new_member_with_an_account_and_staff_record(as_director, school, campus):
    response = as_director.post(
        reverse("org:member_add"),
        {
            "username": "newcook",
            "full_name": "钱师傅",
            "password": "Kitchen#2026x",
            "role": Role.CANTEEN,
            "campus": campus.pk,
            "post": "炊事员",
            "phone": "13800001111",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="newcook")
    assert membership.school == school and membership.role == Role.CANTEEN
    assert membership.user.staff_profiles.get().post == "炊事员"
    assert membership.user.check_password("Kitchen#2026x")


def test_it_requires_a_password_for_a_new_account_and_writes_nothing(as_director):
    response = as_director.post(
        reverse("org:member_add"), {"username": "nopass", "full_name": "某人", "role": Role.STAFF}
    )
    assert "新账号必须设置初始密码。" in form_errors(response)
    assert not Membership.objects.filter(user__username="nopass").exists()


def test_it_adds_an_existing_account_from_another_school(as_director, school, outsider):
    as_director.post(
        reverse("org:member_add"), {"username": outsider.username, "full_name": "兼职", "role": Role.STAFF}
    )
    assert Membership.objects.filter(user=outsider, school=school, role=Role.STAFF).exists()


def test_it_ends_a_membership_with_a_reason(as_director, school, teacher):
    membership = Membership.objects.get(user=teacher, school=school)
    response = as_director.post(
        reverse("org:member_end", args=[membership.pk]), {"ended_on": "2026-11-20", "reason": "调往其他学校"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_on is not None
    assert ChangeLog.objects.filter(object_id=str(membership.pk), reason="调往其他学校").exists()


def test_it_blocks_ending_a_membership_while_a_check_fails(as_director, school, teacher):
    from logistics import services

    check = lambda m: ["名下还有 3 件资产未交接。"]  # noqa: E731
    services.MEMBERSHIP_END_CHECKS.append(check)
    try:
        membership = Membership.objects.get(user=teacher, school=school)
        response = as_director.post(
            reverse("org:member_end", args=[membership.pk]), {"ended_on": "2026-11-20", "reason": "离职"}
        )
        assert "名下还有 3 件资产未交接。" in form_errors(response)
        membership.refresh_from_db()
        assert membership.ended_on is None
    finally:
        services.MEMBERSHIP_END_CHECKS.remove(check)


def test_it_shows_an_objects_history_only_within_the_school(as_director, as_outsider, director, campus, room):
    as_director.post(
        reverse("org:room_update", args=[room.pk]),
        {
            "campus": campus.pk,
            "name": "大一班（新）",
            "room_type": RoomType.CLASSROOM,
            "is_active": "on",
        },
    )
    from django.contrib.contenttypes.models import ContentType

    url = reverse("object_history", args=[ContentType.objects.get_for_model(Room).pk, room.pk])
    response = assert_status(as_director, url, 200)
    assert "大一班（新）" in response.content.decode()
    assert_status(as_outsider, url, 404)


def test_history_needs_the_objects_own_view_permission(as_teacher, as_director, school, canteen):
    from django.contrib.contenttypes.models import ContentType

    from logistics.models import StaffProfile

    profile = StaffProfile.objects.get(school=school, user=canteen)
    url = reverse("object_history", args=[ContentType.objects.get_for_model(StaffProfile).pk, profile.pk])
    assert_status(as_teacher, url, 403)  # a teacher may not read staff records, nor their history
    assert_status(as_director, url, 200)


def test_it_shows_history_in_the_users_words(as_director, director, teacher, school, campus, room):
    """The history page names fields, choices and people; never ids, stored codes or struck-out text."""
    from django.contrib.contenttypes.models import ContentType

    other = Campus.objects.create(school=school, name="滨江分部")
    as_director.post(
        reverse("org:room_update", args=[room.pk]),
        {
            "campus": other.pk,
            "name": room.name,
            "room_type": RoomType.OFFICE,
            "responsible": teacher.pk,
            "is_active": "",
        },
    )
    url = reverse("object_history", args=[ContentType.objects.get_for_model(Room).pk, room.pk])
    page = assert_status(as_director, url, 200).content.decode()
    kinds = (str(RoomType.CLASSROOM.label), str(RoomType.OFFICE.label))
    for words in ("校区", "总部", "滨江分部", "类型", *kinds):
        assert words in page
    assert "责任人" in page and display_name(teacher) in page
    assert "在用" in page and "原：是" in page and "改为：<strong>否" in page
    assert "<del>" not in page and f"#{other.pk}" not in page


def test_it_shows_what_a_step_logged_as_a_full_snapshot_changed(director, room):
    """Some services log a transition with before=None and the whole record after: the history compares
    it with the state the earlier entries left, so only what that step changed is listed."""
    from logistics.audit import readable_history, record_change, record_creation, snapshot

    record_creation(obj=room, by=director)
    room.name = "美工室"
    room.save()
    record_change(obj=room, by=director, action=ChangeAction.TRANSITION, after=snapshot(room))
    created, renamed = readable_history(room)
    assert created.rows == []
    assert renamed.rows == [("名称", "大一班", "美工室")]

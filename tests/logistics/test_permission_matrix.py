"""Every foundation view: anonymous -> login, wrong role -> 403, other school -> 404, right role -> 200."""

import pytest
from django.urls import reverse

from logistics.models import Campus, Certificate, Department, Membership, StaffProfile
from tests.factories import CertificateFactory, DepartmentFactory, RoomFactory
from tests.helpers import assert_login_required, assert_status

pytestmark = pytest.mark.django_db

# url name -> (kwargs builder name or None, role fixture that may, role fixture that may not)
LIST_VIEWS = [
    ("org:campus_list", "as_teacher", None),
    ("org:room_list", "as_guard", None),
    ("org:department_list", "as_canteen", None),
    ("org:member_list", "as_director", "as_teacher"),
    ("org:member_add", "as_director", "as_staff"),
    ("org:campus_create", "as_principal", "as_staff"),
    ("org:room_create", "as_director", "as_accountant"),
    ("org:department_create", "as_director", "as_health"),
    ("org:staff_list", "as_health", "as_teacher"),
    ("org:certificates_expiring", "as_staff", "as_guard"),
    ("reports:index", "as_accountant", "as_teacher"),
    ("notifications", "as_guard", None),
    ("password_change", "as_teacher", None),
]


@pytest.mark.parametrize(("name", "allowed", "denied"), LIST_VIEWS)
def test_school_pages_by_role(request, name, allowed, denied, school):
    url = reverse(name)
    assert_login_required(url)
    assert_status(request.getfixturevalue(allowed), url, 200)
    if denied:
        assert_status(request.getfixturevalue(denied), url, 403)


def _objects(school, canteen):
    campus = Campus.objects.filter(school=school).first()
    profile = StaffProfile.objects.get(school=school, user=canteen)
    return {
        "org:campus_update": campus,
        "org:room_update": RoomFactory(school=school, campus=campus),
        "org:department_update": DepartmentFactory(school=school),
        "org:member_update": Membership.objects.get(school=school, user=canteen),
        "org:member_end": Membership.objects.get(school=school, user=canteen),
        "org:staff_detail": profile,
        "org:staff_update": profile,
        "org:certificate_add": profile,
        "org:certificate_update": CertificateFactory(staff=profile),
    }


OBJECT_VIEWS = [
    ("org:campus_update", "as_director", "as_teacher"),
    ("org:room_update", "as_director", "as_staff"),
    ("org:department_update", "as_principal", "as_guard"),
    ("org:member_update", "as_director", "as_health"),
    ("org:member_end", "as_director", "as_accountant"),
    ("org:staff_detail", "as_staff", "as_teacher"),
    ("org:staff_update", "as_director", "as_staff"),
    ("org:certificate_add", "as_director", "as_canteen"),
    ("org:certificate_update", "as_principal", "as_health"),
]


@pytest.mark.parametrize(("name", "allowed", "denied"), OBJECT_VIEWS)
def test_object_pages_by_role_and_school(request, name, allowed, denied, school, other_school, canteen):
    from tests.factories import member

    obj = _objects(school, canteen)[name]
    url = reverse(name, args=[obj.pk])
    assert_login_required(url)
    assert_status(request.getfixturevalue(allowed), url, 200)
    assert_status(request.getfixturevalue(denied), url, 403)
    # the same page for the other school's director answers 404: the object is not theirs
    member(other_school, "director", username="other_dir_" + name.replace(":", "_"))
    assert_status(request.getfixturevalue("as_outsider"), url, 404)


def test_the_bureau_cannot_post_anywhere_in_the_school(as_bureau, school, canteen):
    profile = StaffProfile.objects.get(school=school, user=canteen)
    before = Certificate.objects.count()
    assert_status(
        as_bureau,
        reverse("org:certificate_add", args=[profile.pk]),
        403,
        method="post",
        data={"kind": "health", "number": "B1"},
    )
    assert Certificate.objects.count() == before
    assert Department.objects.filter(name="教育局的部门").count() == 0

"""Hygiene fixtures: classes with class teachers, children, criteria, meters."""

import datetime
from decimal import Decimal

import pytest

from hygiene.choices import Gender, MeterKind
from hygiene.models import Child, Disinfectant, HygieneCriterion, Meter
from logistics.choices import Role, RoomType
from tests.factories import RoomFactory, member


def make_children(room, n, prefix="幼儿"):
    return [
        Child.objects.create(
            school=room.school,
            room=room,
            name=f"{prefix}{room.pk}-{i}",
            gender=Gender.FEMALE if i % 2 else Gender.MALE,
            birth_date=datetime.date(2021, 3, 1),
        )
        for i in range(n)
    ]


@pytest.fixture
def my_class(school, campus, teacher):
    """The class `teacher` is responsible for."""
    return RoomFactory(
        school=school, campus=campus, name="大一班", room_type=RoomType.CLASSROOM, responsible=teacher
    )


@pytest.fixture
def other_teacher(school):
    return member(school, Role.TEACHER, username="p_teacher2")


@pytest.fixture
def other_class(school, campus, other_teacher):
    return RoomFactory(
        school=school, campus=campus, name="大二班", room_type=RoomType.CLASSROOM, responsible=other_teacher
    )


@pytest.fixture
def kids(my_class):
    return make_children(my_class, 5)


@pytest.fixture
def other_kids(other_class):
    return make_children(other_class, 4, prefix="别班")


@pytest.fixture
def foreign_class(other_school, outsider):
    room = RoomFactory(
        school=other_school,
        campus=other_school.campus_set.first(),
        name="一(1)班",
        room_type=RoomType.CLASSROOM,
    )
    make_children(room, 3, prefix="外校")
    return room


@pytest.fixture
def criteria(school):
    return [
        HygieneCriterion.objects.create(school=school, name="地面", max_score=Decimal(20), order=1),
        HygieneCriterion.objects.create(school=school, name="门窗", max_score=Decimal(10), order=2),
    ]


@pytest.fixture
def chlorine(school):
    return Disinfectant.objects.create(
        school=school, name="含氯消毒液", min_concentration=Decimal(250), max_concentration=Decimal(500)
    )


@pytest.fixture
def water_meter(school, campus):
    return Meter.objects.create(
        school=school, campus=campus, kind=MeterKind.WATER, name="总水表", unit_price=Decimal("4.2000")
    )


@pytest.fixture
def foreign_meter(other_school):
    return Meter.objects.create(
        school=other_school,
        campus=other_school.campus_set.first(),
        kind=MeterKind.WATER,
        name="外校水表",
        unit_price=Decimal("4.0000"),
    )


def errors(response):
    """Every error message of the forms and formsets in a re-rendered page."""
    found = []
    contexts = response.context if isinstance(response.context, list) else [response.context]
    seen = set()
    for ctx in contexts:
        if ctx is None:
            continue
        for value in ctx.flatten().values():
            if id(value) in seen or not hasattr(value, "is_bound"):
                continue
            seen.add(id(value))
            if hasattr(value, "forms"):  # a formset
                for form in value.forms:
                    for errs in form.errors.values():
                        found.extend(errs)
                found.extend(value.non_form_errors())
            elif hasattr(value, "errors"):
                for errs in value.errors.values():
                    found.extend(errs)
    return found

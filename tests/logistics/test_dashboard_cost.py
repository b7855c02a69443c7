"""The dashboard's queries (issue #9): each app's numbers in one query, fresh on every view.

Pinned on the demo district (records in every app), for the roles with the most cards, once the
user's shell entry is cached (session, user, then the cards). Was 36 for a director before.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from logistics.dashboard import counts
from logistics.models import Room, School

pytestmark = pytest.mark.django_db

# role -> queries of a warm dashboard view (school switcher and unread count cached)
DASHBOARD_QUERIES = {"director": 18, "principal": 18, "canteen": 11, "teacher": 9, "bureau": 7}


@pytest.fixture
def demo_district():
    from logistics.demo import seed_all

    district, schools = seed_all()
    return {d.school.code: d for d in schools}


def _client(demo, username):
    client = Client()
    client.force_login(demo.people[username] if username in demo.people else _bureau())
    return client


def _bureau():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(bureau_account__isnull=False)


@pytest.mark.parametrize("username", sorted(DASHBOARD_QUERIES))
def test_the_dashboard_costs_a_fixed_number_of_queries(demo_district, username, django_assert_num_queries):
    demo = demo_district["XC-KG-001"]
    client = _client(demo, username)
    if username == "bureau":
        client.post(reverse("switch_school"), {"school": demo.school.pk})
    with CaptureQueriesContext(connection) as cold:
        assert client.get(reverse("dashboard")).status_code == 200
    with django_assert_num_queries(DASHBOARD_QUERIES[username]):
        response = client.get(reverse("dashboard"))
    assert response.context["cards"]
    assert len(cold.captured_queries) > DASHBOARD_QUERIES[username]  # + memberships, unread count


def test_the_query_count_does_not_grow_with_the_records(demo_district, django_assert_num_queries):
    from hygiene import demo as hygiene_demo

    demo = demo_district["XC-KG-001"]
    client = _client(demo, "director")
    client.get(reverse("dashboard"))
    for shift in range(1, 3):  # more rooms, more of the hygiene records behind the cards
        for i in range(5):
            Room.objects.create(
                school=demo.school, campus=demo.school.campus_set.first(), name=f"新{shift}{i}"
            )
    hygiene_demo.seed(demo)
    with django_assert_num_queries(DASHBOARD_QUERIES["director"]):
        client.get(reverse("dashboard"))


def test_the_meter_card_counts_meters_not_readings(school, campus, as_staff, staff):
    """The old aggregate counted (meter, reading) rows as meters: 7 meters read over 25 months
    showed "7/175" and a warning."""
    from hygiene.choices import MeterKind
    from hygiene.models import Meter, MeterReading

    month = timezone.localdate().replace(day=1)
    for n in range(2):
        meter = Meter.objects.create(
            school=school, campus=campus, kind=MeterKind.WATER, name=f"水表{n}", unit_price=Decimal("4")
        )
        for back in range(3 if n == 0 else 2):
            m = (month - datetime.timedelta(days=31 * back)).replace(day=1)
            if n == 1 and m == month:
                continue  # the second meter is not read yet this month
            MeterReading.objects.create(
                school=school,
                meter=meter,
                month=m,
                value=100 + back,
                unit_price=meter.unit_price,
                read_by=staff,
            )
    card = next(c for c in as_staff.get(reverse("dashboard")).context["cards"] if c.title == "本月抄表")
    assert (card.value, card.level) == ("1/2", "warning")


def test_counts_runs_one_query_for_many_querysets(school, other_school, django_assert_num_queries):
    schools = School.objects.all()
    with django_assert_num_queries(1):
        n = counts(
            all=schools,
            ours=schools.filter(pk=school.pk),
            districts=schools.values("district").distinct(),
            none=schools.none(),
            empty_in=schools.filter(pk__in=[]),
        )
    assert n == {"all": 2, "ours": 1, "districts": 1, "none": 0, "empty_in": 0}
    with django_assert_num_queries(0):
        assert counts(nothing=schools.none()) == {"nothing": 0}

"""PostgreSQL-only: two concurrent discards give one effect; logging a sample stays fast with a
year of a district's samples (~400,000 rows)."""

import datetime
import statistics
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from canteen import services
from canteen.choices import Meal
from canteen.models import CanteenSettings, FoodSample, Fridge
from logistics.audit import history_for
from logistics.choices import ChangeAction, Role
from tests.canteen.conftest import make_photo
from tests.factories import SchoolFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def _skip_unless_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (select_for_update / real concurrency)")


def test_it_lets_only_one_of_two_concurrent_discards_take_effect(school, canteen, director, fridge):
    _skip_unless_postgres()
    sample = services.sample_record(
        school=school,
        by=canteen,
        meal=Meal.LUNCH,
        dish_name="米饭",
        quantity_g=130,
        fridge=fridge,
        fridge_temp=4,
        photo=make_photo(),
        now=timezone.now() - datetime.timedelta(hours=49),
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def discard(user):
        try:
            obj = FoodSample.objects.get(pk=sample.pk)
            barrier.wait()
            services.sample_discard(obj=obj, by=user)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=discard, args=(u,)) for u in (canteen, director)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    sample.refresh_from_db()
    assert sample.status == "discarded"
    assert history_for(sample).filter(action=ChangeAction.TRANSITION).count() == 1


def test_it_logs_a_sample_well_under_300_ms_with_a_year_of_a_districts_samples(school, canteen):
    _skip_unless_postgres()
    schools = [school] + [SchoolFactory(district=school.district) for _ in range(39)]
    cooks = [canteen] + [member(s, Role.CANTEEN) for s in schools[1:]]
    fridges = [Fridge.objects.create(school=s, name="留样柜") for s in schools]
    # 40 schools x 365 days x 3 meals x ~9 dishes = ~394,000 samples, written by the database itself
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO canteen_foodsample (school_id, day, meal, dish_name, quantity_g, fridge_id,
                fridge_temp, taken_by_id, taken_at, discard_after, status, discarded_at, discarded_by_id)
            SELECT s.school_id, d::date, m.meal, '菜' || n, 130, s.fridge_id, 4.0, s.user_id,
                   d + interval '11 hours', d + interval '59 hours', 'discarded', d + interval '60 hours',
                   s.user_id
            FROM unnest(%s::int[], %s::int[], %s::int[]) AS s(school_id, fridge_id, user_id)
            CROSS JOIN generate_series(now()::date - 366, now()::date - 2, interval '1 day') AS d
            CROSS JOIN (VALUES ('breakfast'), ('lunch'), ('snack')) AS m(meal)
            CROSS JOIN generate_series(1, 9) AS n
            """,
            [[s.pk for s in schools], [f.pk for f in fridges], [u.pk for u in cooks]],
        )
        cur.execute("ANALYZE canteen_foodsample")
    total = FoodSample.objects.count()
    assert total > 390_000
    CanteenSettings.for_school(school)
    photo_bytes = make_photo().read()
    timings = []
    for i in range(30):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("p.jpg", photo_bytes, content_type="image/jpeg")
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            services.sample_record(
                school=school,
                by=canteen,
                meal=Meal.LUNCH,
                dish_name=f"新菜{i}",
                quantity_g=130,
                fridge=fridges[0],
                fridge_temp=4,
                photo=upload,
            )
        timings.append((time.perf_counter() - started) * 1000)
        assert len(ctx.captured_queries) <= 7
    median, worst = statistics.median(timings), max(timings)
    print(f"\nsample_record with {total} samples: median {median:.1f} ms, max {worst:.1f} ms")
    assert median < 100 and worst < 300

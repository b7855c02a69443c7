"""Two clerks issue the last units at the same moment: PostgreSQL only (select_for_update)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from assets import services
from assets.models import StockMovement, StoreItem


@pytest.mark.django_db(transaction=True)
def test_it_never_issues_the_last_units_twice(school, staff, director, room):
    if connection.vendor != "postgresql":
        pytest.skip("select_for_update needs PostgreSQL")
    services.ensure_standard_categories()
    item = services.stores_stock_in(
        school=school, by=staff, item_name="墨盒", unit="个", quantity=3, unit_price=Decimal("80")
    ).item
    barrier = threading.Barrier(2)
    results = []

    def issue(user):
        try:
            barrier.wait()
            services.stores_issue(item=StoreItem.objects.get(pk=item.pk), by=user, quantity=2, room=room)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(u,)) for u in (staff, director)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    item.refresh_from_db()
    assert results.count("ok") == 1
    assert any("库存不足" in r for r in results)
    assert item.on_hand == Decimal("1")
    assert StockMovement.objects.filter(item=item, kind="out").count() == 1

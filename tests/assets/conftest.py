import datetime
from decimal import Decimal

import pytest

from assets import services
from assets.models import AssetCategory


@pytest.fixture
def categories(db):
    """The migration's GB/T 14885 rows (restored if a transactional test elsewhere flushed them)."""
    services.ensure_standard_categories()
    return {c.code: c for c in AssetCategory.objects.filter(school__isnull=True)}


@pytest.fixture
def computers(categories):
    return categories["201"]


@pytest.fixture
def books(categories):
    return categories["501"]


@pytest.fixture
def make_asset(school, staff, categories):
    def make(name="台式电脑", price="4500.00", room=None, custodian=None, category=None, units=1, **kw):
        kw.setdefault("purchase_date", datetime.date(2025, 9, 1))
        return services.asset_register(
            school=school,
            by=staff,
            name=name,
            unit_price=Decimal(price),
            category=category or categories["201"],
            room=room,
            custodian=custodian,
            units=units,
            **kw,
        )

    return make


@pytest.fixture
def asset(make_asset, room):
    return make_asset(room=room)[0]

import datetime
from decimal import Decimal

import pytest

from assets import services
from assets.models import AssetCategory


@pytest.fixture
def computers(db):
    return AssetCategory.objects.get(school__isnull=True, code="201")


@pytest.fixture
def books(db):
    return AssetCategory.objects.get(school__isnull=True, code="501")


@pytest.fixture
def make_asset(school, staff):
    def make(name="台式电脑", price="4500.00", room=None, custodian=None, category=None, units=1, **kw):
        kw.setdefault("purchase_date", datetime.date(2025, 9, 1))
        return services.asset_register(
            school=school,
            by=staff,
            name=name,
            unit_price=Decimal(price),
            category=category or AssetCategory.objects.get(school__isnull=True, code="201"),
            room=room,
            custodian=custodian,
            units=units,
            **kw,
        )

    return make


@pytest.fixture
def asset(make_asset, room):
    return make_asset(room=room)[0]

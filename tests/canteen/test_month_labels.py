"""Month labels follow the user's language: 2026年11月 in Chinese, November 2026 in English."""

import datetime

from django.utils import translation

from canteen.models import PantryCount


def test_month_labels_follow_the_language():
    count = PantryCount(month=datetime.date(2026, 11, 1))
    with translation.override("zh-hans"):
        assert str(count) == "2026年11月 盘点"
    with translation.override("en"):
        assert str(count) == "November 2026 Stocktake"

import pytest
from django.core.management import CommandError, call_command

from logistics.choices import Role
from logistics.models import BureauAccount, Campus, Membership, School

pytestmark = pytest.mark.django_db


def test_it_refuses_to_seed_demo_data_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG 已关闭"):
        call_command("seed_demo", "--quiet")
    assert not School.objects.exists()


def test_it_seeds_the_demo_district_twice_without_duplicates(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--quiet")
    counts = (School.objects.count(), Campus.objects.count(), Membership.objects.count())
    call_command("seed_demo", "--quiet")
    assert (School.objects.count(), Campus.objects.count(), Membership.objects.count()) == counts
    kindergarten = School.objects.get(code="XC-KG-001")
    assert set(kindergarten.campus_set.values_list("name", flat=True)) == {"总部", "西区分部", "航星分部"}
    roles = set(Membership.objects.filter(school=kindergarten).values_list("role", flat=True))
    assert roles == {r for r in Role if r != Role.BUREAU}
    assert Membership.objects.filter(user__username="director").count() == 2
    assert BureauAccount.objects.filter(user__username="bureau").exists()

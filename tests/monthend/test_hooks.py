"""Hooks are discovered from the apps like nav.py; the pack grows with the registry."""

import shutil
import subprocess

import pytest

from logistics.reports import Period, specs
from monthend import hooks, services
from monthend.choices import PackStatus

OCT = Period.month(2026, 10)


@pytest.fixture
def fake_app(monkeypatch):
    """Only logistics (no month-end hooks of its own) and a fake app are installed."""
    from django.apps import apps

    import tests.monthend.fakeapp as fakeapp
    from logistics import registry

    config = registry.DomainApp("tests.monthend.fakeapp", fakeapp)
    monkeypatch.setattr(registry, "domain_apps", lambda: [apps.get_app_config("logistics"), config])


def test_gap_and_metric_hooks_are_discovered_in_app_order(school, other_school, fake_app):
    assert [app for app, _fn in hooks.gap_hooks()] == ["fakeapp"]
    assert hooks.month_gaps(school, OCT) == ["2026年10月第42周安全检查未完成"]
    labels, table, errors = hooks.bureau_metrics([school, other_school], OCT)
    assert labels == ["周检完成", "逾期隐患"] and errors == []
    # an unknown level is shown as ok rather than trusted into a CSS class
    assert table[school.pk] == [("3/4", "warning"), (0, "ok")]


def test_the_real_apps_hooks_answer_for_all_schools_at_once(
    school, other_school, django_assert_max_num_queries
):
    """Whatever the domain apps have landed so far: each hook runs and answers for every school."""
    labels, table, errors = hooks.bureau_metrics([school, other_school], OCT)
    assert errors == []
    assert set(table) == {school.pk, other_school.pk}
    assert all(len(row) == len(labels) for row in table.values())
    assert all(isinstance(g, str) for g in hooks.month_gaps(school, OCT))


def test_the_pack_has_a_section_for_every_registered_monthly_report(school):
    """The whole registry as it is now (the domain apps' reports included)."""
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    pack = services.pack_build(pack_id=pack.pk)
    assert pack.status == PackStatus.READY, pack.error
    assert [s["key"] for s in pack.sections] == [s.key for s in specs(monthly_only=True)]


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_workbook_of_the_whole_registry(school, tmp_path):
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    pack = services.pack_build(pack_id=pack.pk)
    src = tmp_path / "pack.xlsx"
    shutil.copy(pack.xlsx.path, src)
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(tmp_path / "out"), str(src)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "pack.pdf").stat().st_size > 1000

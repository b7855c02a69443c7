import pytest

from logistics.tasks import ping

pytestmark = pytest.mark.integration


def test_a_real_worker_runs_a_task_over_redis(celery_worker_process):
    result = ping.apply_async()
    assert result.get(timeout=60) == "pong"

"""Celery beat scheduler that catches up jobs it could not send.

Celery's scheduler advances an entry's `last_run_at` *before* sending it, so when the broker (Redis)
is down the send fails and the run is simply lost until the next period (tomorrow, for a daily
job). `CatchUpScheduler` puts the entry back as it was and tries again every `retry_after`
seconds, so the job goes out as soon as the broker returns. The schedule is persisted (shelve
file), so a beat restarted during an outage also sends overdue jobs at once.

Jobs must be idempotent (unique constraints, notification dedupe keys): a catch-up run may overlap
with a normal one. Enabled by `CELERY_BEAT_SCHEDULER` in settings.
"""

import heapq
import logging

from celery.beat import PersistentScheduler, event_t

logger = logging.getLogger(__name__)


class CatchUpScheduler(PersistentScheduler):
    #: seconds between two attempts to send a job that could not be sent
    retry_after = 30.0

    def __init__(self, *args, **kwargs):
        self._unsent = []
        super().__init__(*args, **kwargs)

    def apply_entry(self, entry, producer=None):
        logger.info("Scheduler: sending due task %s (%s)", entry.name, entry.task)
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except Exception as exc:  # noqa: BLE001 - any failure to send: keep the job due
            logger.error(
                "Scheduler: could not send %s (%s); retrying in %ss", entry.name, exc, self.retry_after
            )
            # reserve() already stored the advanced entry: undo it so the job stays due.
            self.schedule[entry.name] = entry
            self._unsent.append(entry)

    def tick(self, *args, **kwargs):
        delay = super().tick(*args, **kwargs)
        if self._unsent and self._heap is not None:
            names = {e.name for e in self._unsent}
            heap = [ev for ev in self._heap if ev[2].name not in names]
            for entry in self._unsent:
                heap.append(event_t(self._when(entry, self.retry_after), 5, entry))
            heapq.heapify(heap)
            self._heap[:] = heap
            self._unsent = []
            return min(delay, self.retry_after) if delay else 0
        return delay

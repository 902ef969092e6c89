"""Alert evaluation on a schedule inside ``northstar serve``: an APScheduler background job that
evaluates every rule (then delivers due notifications) every
``settings.alerts.evaluation_interval_seconds``; ``northstar alerts check`` is the same job for cron.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from northstar.alerts.service import alerts_for

if TYPE_CHECKING:
    from northstar.app import Northstar

log = logging.getLogger("northstar.alerts")


def start_scheduler(northstar: Northstar) -> BackgroundScheduler | None:
    """A started scheduler running the evaluation job over ``northstar`` (one run at a time; a run
    missed while the previous one was busy is skipped, not queued), or ``None`` when the interval
    is 0. Stop it with ``shutdown()``."""
    interval = northstar.settings.alerts.evaluation_interval_seconds
    if interval == 0:
        return None
    service = alerts_for(northstar)
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(service.evaluate_all, "interval", seconds=interval, id="alerts.evaluate",
                      max_instances=1, coalesce=True, misfire_grace_time=interval)
    scheduler.start()
    log.info("alert rules are evaluated every %d s", interval)
    return scheduler

"""Periodic jobs that domains register, for the scheduler to run beside the outbox dispatcher.

A domain declares its job where it lives (for example `accounts/tasks.py`); the scheduler runs
every registered job without knowing the domains. A job takes `now` and returns something to
log when there is anything to say (a falsy value otherwise); the scheduler commits after it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: Callable[[datetime], object]
    # The configuration key that holds the interval in seconds, and the default.
    interval_key: str
    default_seconds: int

    def interval(self, config) -> int:
        return int(config.get(self.interval_key) or self.default_seconds)


_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, interval_key: str, default_seconds: int):
    """Register the decorated function as a periodic job named `name` (once per name)."""

    def register(function: Callable[[datetime], object]) -> Callable[[datetime], object]:
        _JOBS[name] = PeriodicJob(name, function, interval_key, default_seconds)
        return function

    return register


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_JOBS.values(), key=lambda job: job.name)

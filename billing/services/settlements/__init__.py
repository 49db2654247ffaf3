"""Settlement runs [结算] (BUSINESS_RULES §9; operator guide §23).

    settlement_run_start(...)    a run for a period (weekly Monday–Sunday by default), its chunks planned by
                                 merchant id range; starting a period that already has a run returns that run
    settlement_chunk_build(...)  one chunk's statements, set-based, in one transaction; a done chunk is never
                                 built again
    settlement_run_resume(...)   the chunks still to build (pending, failed, or left running by a crashed
                                 worker); the run is built once every chunk is done
    settlement_adjustment_*      fees and deductions finance approves for the next statement

The Celery tasks in `billing.tasks` are the doorways: one starts a run and fans out a task per chunk.
"""

from .adjustments import (
    settlement_adjustment_approve,
    settlement_adjustment_propose,
    settlement_adjustment_reject,
)
from .build import settlement_chunk_build
from .runs import settlement_period_default, settlement_run_resume, settlement_run_start

__all__ = [
    "settlement_adjustment_approve", "settlement_adjustment_propose", "settlement_adjustment_reject",
    "settlement_chunk_build", "settlement_period_default", "settlement_run_resume", "settlement_run_start",
]

"""Celery tasks of the credit rating: doorways that load rows by id and call one service; safe to retry (a done
chunk is never redone, a chunk computed again replaces its own rows)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

_TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=30, retry_backoff_max=600, max_retries=3,
             soft_time_limit=300, time_limit=360)
def ratings_nightly_task(self) -> int:
    """Beat, every night: plan today's recompute and fan its chunks out; returns the run's id."""
    from .services import rating_recompute_start

    return rating_recompute_start().pk


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=10, retry_backoff_max=300, max_retries=5,
             soft_time_limit=600, time_limit=660, acks_late=True)
def rating_chunk_task(self, chunk_id: int) -> int:
    """Rate one chunk of merchants; returns how many it rated (0 when the chunk no longer exists)."""
    from portal.models import RatingChunk

    from .services import rating_chunk_compute

    chunk = RatingChunk.objects.filter(pk=chunk_id).first()
    if chunk is None:
        return 0
    return rating_chunk_compute(chunk=chunk).rated_count

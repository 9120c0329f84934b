"""Claims on photos a processing worker takes: closet items, shop products, shop searches.

Each claim is a conditional UPDATE, so two workers never process one row. A claim whose
heartbeat stopped belongs to a dead worker and may be taken over; a slow worker keeps
beating and keeps its batch. The models share the columns: status (queued, processing,
ready, failed), claim_token, heartbeat_at, status_changed_at, attempts, enqueued_at,
failure_reason and created_at.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

QUEUED, PROCESSING, FAILED = "queued", "processing", "failed"


def dead_claims(now) -> Q:
    stale = now - timedelta(seconds=settings.CLAIM_STALE_SECONDS)
    return Q(status=PROCESSING) & (Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, status_changed_at__lt=stale))


def claim(model, *, pk, batch_size: int, queued=None) -> tuple[uuid.UUID, list]:
    """Takes row `pk`, plus other queued rows (of `queued`, default all) to fill a batch;
    the asked-for row comes first. Other rows' own tasks later find them taken and do nothing."""
    token, now = uuid.uuid4(), timezone.now()
    claimed = {"status": PROCESSING, "claim_token": token, "status_changed_at": now, "heartbeat_at": now,
               "attempts": F("attempts") + 1}
    if not model.objects.filter(Q(status=QUEUED) | dead_claims(now), pk=pk).update(**claimed):
        return token, []
    waiting = (queued if queued is not None else model.objects).filter(status=QUEUED)
    others = list(waiting.order_by("status_changed_at").values_list("pk", flat=True)[:max(0, batch_size - 1)])
    if others:
        model.objects.filter(pk__in=others, status=QUEUED).update(**claimed)
    rows = list(model.objects.filter(claim_token=token))
    rows.sort(key=lambda row: (str(row.pk) != str(pk), row.created_at))
    return token, rows


def renew(model, *, token) -> int:
    return model.objects.filter(claim_token=token, status=PROCESSING).update(heartbeat_at=timezone.now())


def release(model, *, token, retried_key=None) -> int:
    """Back on the queue before the task retries the batch: the retry is this attempt again.
    The retry's own message brings `retried_key`; the others' messages may have been used up
    while the batch held them (a worker found them taken), so they go to the outbox."""
    now = timezone.now()
    rows = model.objects.filter(claim_token=token, status=PROCESSING)
    given_back = dict(status=QUEUED, claim_token=None, status_changed_at=now, attempts=F("attempts") - 1)
    retried = rows.filter(pk=retried_key).update(**given_back, enqueued_at=now) if retried_key else 0
    return retried + rows.update(**given_back, enqueued_at=None)


def fail(model, *, pk, token, reason: str) -> bool:
    return bool(model.objects.filter(pk=pk, claim_token=token).update(
        status=FAILED, failure_reason=reason[:2000], claim_token=None, status_changed_at=timezone.now()))


def take_back_dead(model, *, now, failure_reason: str) -> tuple[int, int]:
    """(failed, requeued): dead workers' rows go back to the queue, or fail once out of attempts."""
    dead = model.objects.filter(dead_claims(now))
    failed = dead.filter(attempts__gte=settings.MAX_PROCESSING_ATTEMPTS).update(
        status=FAILED, claim_token=None, status_changed_at=now, failure_reason=failure_reason)
    # Conditional, so a row a worker claimed in the meantime is left alone.
    requeued = dead.update(status=QUEUED, claim_token=None, status_changed_at=now, enqueued_at=None)
    return failed, requeued


def outbox(model, *, now) -> list:
    """Queued rows never sent (the broker was away), oldest first."""
    return list(model.objects.filter(status=QUEUED, enqueued_at__isnull=True,
                                     status_changed_at__lt=now - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS))
                .order_by("status_changed_at").values_list("pk", flat=True)[:settings.OUTBOX_BATCH])

"""Today's outfit, delivered: by email and/or a webhook, at the hour a person chose, in their
time zone and language.

Nobody gets two mails for one day, whatever the scheduler or the workers do: the
scheduler inserts one DailyDelivery row per (person, local date) (a unique constraint:
a second beat process's insert fails), and the worker claims the row with a conditional
UPDATE (pending -> sending) before it makes or sends anything. A worker that dies while
sending leaves the row "sending"; it is never sent again (marked failed later), since
the mail may have gone out. The webhook is tried again with backoff on its own.
"""

import logging
import uuid
import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from inference.transient import is_transient
from wardrobe import outfits, weather
from wardrobe.models import DailyDelivery, DailyOutfitSubscription, Outfit

logger = logging.getLogger(__name__)

STALE_SENDING = timedelta(minutes=30)  # a claim this old belongs to a worker that died
LOST_MESSAGE = timedelta(minutes=10)  # pending this long after it was sent: the broker lost it
OUTFITS_PER_DAY = 2  # the recommender's fewest; the best one is sent


def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def subscription_of(owner) -> DailyOutfitSubscription:
    """The owner's settings (an unsaved default when they never chose)."""
    return (DailyOutfitSubscription.objects.filter(owner=owner).first()
            or DailyOutfitSubscription(owner=owner, time_zone=settings.TIME_ZONE))


@transaction.atomic
def update_subscription(*, owner, enabled: bool, hour: int, time_zone: str, by_email: bool,
                        webhook_url: str = "", style: str = "casual", occasion: str = "daily") -> DailyOutfitSubscription:
    if time_zone not in zoneinfo.available_timezones():
        raise ValueError(f"unknown time zone {time_zone!r}")
    if not 0 <= hour <= 23:
        raise ValueError("the hour is 0-23")
    subscription, _created = DailyOutfitSubscription.objects.update_or_create(owner=owner, defaults={
        "enabled": enabled, "hour": hour, "time_zone": time_zone, "by_email": by_email,
        "webhook_url": webhook_url, "style": style, "occasion": occasion})
    return subscription


# --- The scheduler's side --------------------------------------------------------------------

def due(*, now=None) -> list[tuple[int, object]]:
    """(owner id, local date) of every subscriber whose hour has come today (within the
    catch-up window) and who has no delivery row for that local date."""
    now = now or timezone.now()
    window = max(1, settings.DAILY_OUTFIT_CATCH_UP_HOURS)
    found = []
    zones = (DailyOutfitSubscription.objects.filter(enabled=True).values_list("time_zone", flat=True)
             .distinct().order_by())
    for zone in zones:
        try:
            local = now.astimezone(zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            logger.warning("daily outfit: unknown time zone %r", zone)
            continue
        subscribers = (DailyOutfitSubscription.objects
                       .filter(enabled=True, time_zone=zone, hour__lte=local.hour, hour__gt=local.hour - window)
                       .exclude(owner__daily_deliveries__local_date=local.date())
                       .values_list("owner_id", flat=True))
        found += [(owner_id, local.date()) for owner_id in subscribers]
    return found


def schedule(*, now=None) -> dict:
    """The beat's job (every few minutes): claims today's row for each subscriber who is due
    and sends its task; sends again what the broker lost; gives up on dead workers' claims."""
    now = now or timezone.now()
    created = []
    for owner_id, local_date in due(now=now):
        try:
            with transaction.atomic():
                created.append(DailyDelivery.objects.create(owner_id=owner_id, local_date=local_date).pk)
        except IntegrityError:  # another scheduler was first: its row, its mail
            continue
    lost = list(DailyDelivery.objects.filter(status=DailyDelivery.Status.PENDING)
                .exclude(pk__in=created)
                .filter(created_at__lt=now - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS))
                .filter(enqueued_at__isnull=True).values_list("pk", flat=True)[:500]) + list(
        DailyDelivery.objects.filter(status=DailyDelivery.Status.PENDING, enqueued_at__lt=now - LOST_MESSAGE)
        .values_list("pk", flat=True)[:500])
    late = _past_catch_up(lost, now=now)
    DailyDelivery.objects.filter(pk__in=late, status=DailyDelivery.Status.PENDING).update(
        status=DailyDelivery.Status.SKIPPED, message="its day's catch-up window had passed; not sent")
    lost = [pk for pk in lost if pk not in late]
    dead = DailyDelivery.objects.filter(status=DailyDelivery.Status.SENDING, claimed_at__lt=now - STALE_SENDING).update(
        status=DailyDelivery.Status.FAILED, message="the worker stopped while sending; not sent again")
    publish(created + lost)
    return {"created": len(created), "resent": len(lost), "dead": dead}


def _past_catch_up(delivery_ids, *, now) -> set:
    """Of these rows, the ones whose local day's hour plus the catch-up window is over in the
    subscriber's zone: after a long outage one "today's outfit" comes, not one for each day missed."""
    rows = list(DailyDelivery.objects.filter(pk__in=delivery_ids).values_list("pk", "owner_id", "local_date"))
    subscriptions = {s.owner_id: s for s in DailyOutfitSubscription.objects.filter(
        owner_id__in={owner_id for _, owner_id, _ in rows})}
    window = timedelta(hours=max(1, settings.DAILY_OUTFIT_CATCH_UP_HOURS))
    late = set()
    for pk, owner_id, local_date in rows:
        subscription = subscriptions.get(owner_id)
        try:
            zone = zoneinfo.ZoneInfo(subscription.time_zone) if subscription else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is not None and now > datetime.combine(local_date, time(subscription.hour), zone) + window:
            late.add(pk)
    return late


def publish(delivery_ids) -> bool:
    from wardrobe.portability import send_with_outbox
    from wardrobe.tasks import deliver_daily_outfit

    return send_with_outbox(deliver_daily_outfit, DailyDelivery, list(delivery_ids)) if delivery_ids else True


# --- The worker's side -----------------------------------------------------------------------

def _claim(delivery_id) -> DailyDelivery | None:
    token = uuid.uuid4()
    claimed = DailyDelivery.objects.filter(pk=delivery_id, status=DailyDelivery.Status.PENDING).update(
        status=DailyDelivery.Status.SENDING, claim_token=token, claimed_at=timezone.now())
    if not claimed:
        return None
    return DailyDelivery.objects.select_related("owner").get(pk=delivery_id, claim_token=token)


def _release(delivery: DailyDelivery) -> None:
    """A transient error before anything was sent: another try may claim it."""
    DailyDelivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token).update(
        status=DailyDelivery.Status.PENDING, claim_token=None, claimed_at=None)


def _finish(delivery: DailyDelivery, status: str, message: str = "", **fields) -> None:
    DailyDelivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token).update(
        status=status, message=message, **fields)
    delivery.refresh_from_db()


def todays_weather(owner) -> weather.Weather | None:
    """As the recommend page does: the provider's weather for the profile's city, or none
    (the season stands in for the temperature)."""
    if not weather.enabled() or not owner.city:
        return None
    try:
        return weather.current_weather(owner.city)
    except weather.WeatherUnavailable:
        return None


def todays_outfit(delivery: DailyDelivery, subscription: DailyOutfitSubscription):
    """(best outfit or None, weather or None): the recommender with today's weather."""
    owner = delivery.owner
    now = todays_weather(owner)
    request = delivery.request
    if request is None:
        request = outfits.request_recommendations(
            owner=owner, style=subscription.style, occasion=subscription.occasion,
            season=outfits.season_of(delivery.local_date), count=OUTFITS_PER_DAY,
            temperature=now.temperature if now else None, precipitation=now.precipitation if now else "",
            weather_from_provider=now is not None)
        DailyDelivery.objects.filter(pk=delivery.pk).update(request=request)
    outfits.generate_recommendations(request_id=request.pk)  # the request's own task then finds it done
    best = Outfit.objects.filter(request=request).order_by("rank").first()
    return best, now


def deliver(*, delivery_id) -> DailyDelivery | None:
    """Makes today's outfit and sends it; does nothing for a row another worker claimed."""
    from wardrobe import daily_mail

    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    owner = delivery.owner
    subscription = DailyOutfitSubscription.objects.filter(owner=owner).first()
    if subscription is None or not subscription.enabled or not owner.is_active:
        _finish(delivery, DailyDelivery.Status.SKIPPED, "unsubscribed")
        return delivery
    if not (subscription.by_email and owner.email) and not subscription.webhook_url:
        _finish(delivery, DailyDelivery.Status.SKIPPED, "no email and no webhook to send to")
        return delivery
    try:
        with translation.override(owner.language):
            outfit, now = todays_outfit(delivery, subscription)
            if outfit is None:
                _finish(delivery, DailyDelivery.Status.SKIPPED,
                        _("The closet makes no outfit today: nothing was sent."))
                return delivery
            email_sent_at = None
            if subscription.by_email and owner.email:
                daily_mail.send(owner=owner, outfit=outfit, on=delivery.local_date, weather=now)
                email_sent_at = timezone.now()
    except daily_mail.MaybeSent as error:
        # Only the mail is in doubt: the webhook still gets the day's outfit.
        webhook = "pending" if subscription.webhook_url else ""
        _finish(delivery, DailyDelivery.Status.FAILED,
                f"the mail server stopped answering while taking the mail; not sent again ({error})"[:500],
                outfit=outfit, webhook_status=webhook)
        if webhook:
            transaction.on_commit(lambda: _publish_webhook(delivery.pk))
        raise
    except Exception as error:
        if is_transient(error) or isinstance(error, OSError):  # database, or the mail server away
            _release(delivery)
        else:
            _finish(delivery, DailyDelivery.Status.FAILED, str(error)[:500])
        raise
    webhook = "pending" if subscription.webhook_url else ""
    _finish(delivery, DailyDelivery.Status.SENT, outfit=outfit, email_sent_at=email_sent_at, webhook_status=webhook)
    if webhook:
        transaction.on_commit(lambda: _publish_webhook(delivery.pk))
    return delivery


def _publish_webhook(delivery_id) -> None:
    from wardrobe.tasks import post_daily_webhook

    try:
        post_daily_webhook.apply_async(args=[delivery_id])
    except Exception as error:
        if not is_transient(error):
            raise
        logger.warning("broker unreachable, daily webhook %s not sent: %s", delivery_id, error)


def post_webhook(*, delivery_id, first_try: bool) -> str:
    """The webhook's POST; WebhookUnavailable is for the task to try again later."""
    from wardrobe import daily_mail, webhooks

    if first_try:
        claimed = DailyDelivery.objects.filter(pk=delivery_id, webhook_status="pending").update(
            webhook_status="sending")
        if not claimed:
            return "taken"
    delivery = DailyDelivery.objects.select_related("owner", "outfit").filter(pk=delivery_id).first()
    subscription = DailyOutfitSubscription.objects.filter(owner_id=delivery.owner_id).first() if delivery else None
    if (delivery is None or delivery.outfit is None or subscription is None or not subscription.webhook_url
            or not subscription.enabled or not delivery.owner.is_active):  # unsubscribed or leaving since
        if delivery is not None:
            DailyDelivery.objects.filter(pk=delivery_id).update(webhook_status="failed")
        return "gone"
    with translation.override(delivery.owner.language):
        payload = daily_mail.webhook_payload(owner=delivery.owner, outfit=delivery.outfit, on=delivery.local_date)
    try:
        webhooks.post_json(subscription.webhook_url, payload)
    except webhooks.WebhookRefused as refusal:
        DailyDelivery.objects.filter(pk=delivery_id).update(webhook_status="failed", message=str(refusal)[:500])
        return "refused"
    DailyDelivery.objects.filter(pk=delivery_id).update(webhook_status="sent", webhook_sent_at=timezone.now())
    return "sent"


def give_up_webhook(*, delivery_id, reason: str) -> None:
    DailyDelivery.objects.filter(pk=delivery_id).update(webhook_status="failed", message=reason[:500])

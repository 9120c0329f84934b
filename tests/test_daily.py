"""Today's outfit, delivered: at the person's hour in their time zone (DST changes too),
never twice for one day whatever runs twice, a mail with the collage inline and a text
part, one-click links (valid, expired, reused, tampered), and the webhook's failures."""

import email
import json
import socketserver
import threading
import time
from datetime import date, datetime, timezone as dt_timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail, signing
from django.db import connections
from django.urls import reverse

from tests.test_closet_views import ready_item
from tests.test_weather import provider  # noqa: F401  (a fixture)
from wardrobe import daily, daily_mail, oneclick, webhooks
from wardrobe.models import DailyDelivery, DailyOutfitSubscription, OneClickUse, OutfitFeedback, Wear

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=dt_timezone.utc)


@pytest.fixture(autouse=True)
def quiet_tasks(monkeypatch, settings):
    """Generation runs in the job itself; webhook tasks run in-process; mails in memory."""
    from wardrobe.tasks import deliver_daily_outfit, generate_recommendations, post_daily_webhook

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://closet.example.com"
    settings.WEATHER_PROVIDER = ""
    sent = []
    monkeypatch.setattr(generate_recommendations, "apply_async", lambda args, **options: None)
    monkeypatch.setattr(deliver_daily_outfit, "apply_async", lambda args, **options: sent.append(args[0]))
    monkeypatch.setattr(post_daily_webhook, "apply_async",
                        lambda args, **options: post_daily_webhook.apply(args=args))
    return sent


def dressable(owner):
    return [ready_item(owner, category="short_sleeve_top", colors=[{"name": "white", "hex": "#f5f5f2", "share": 0.8}]),
            ready_item(owner, category="jeans", colors=[{"name": "denim", "hex": "#4b6991", "share": 0.9}]),
            ready_item(owner, category="shoes", colors=[{"name": "black", "hex": "#191919", "share": 0.9}])]


def subscribe(owner, *, hour=7, zone="Asia/Seoul", webhook_url="", by_email=True):
    return daily.update_subscription(owner=owner, enabled=True, hour=hour, time_zone=zone, by_email=by_email,
                                     webhook_url=webhook_url)


# --- The hour, the zone, DST ----------------------------------------------------------------

def test_each_person_gets_it_at_their_own_local_hour(make_user, quiet_tasks):
    seoul, new_york, off = make_user(), make_user(), make_user()
    subscribe(seoul, hour=7, zone="Asia/Seoul")
    subscribe(new_york, hour=7, zone="America/New_York")
    subscribe(off, hour=7)
    DailyOutfitSubscription.objects.filter(owner=off).update(enabled=False)

    assert daily.due(now=utc(2026, 6, 1, 21, 59)) == []  # 06:59 in Seoul
    assert daily.schedule(now=utc(2026, 6, 1, 22, 0))["created"] == 1  # 07:00 in Seoul, 18:00 in New York
    assert list(DailyDelivery.objects.values_list("owner", "local_date")) == [(seoul.pk, date(2026, 6, 2))]
    assert daily.schedule(now=utc(2026, 6, 1, 22, 5))["created"] == 0  # five minutes later: nothing new
    assert daily.schedule(now=utc(2026, 6, 2, 11, 0))["created"] == 1  # 07:00 EDT
    assert DailyDelivery.objects.get(owner=new_york).local_date == date(2026, 6, 2)
    assert daily.due(now=utc(2026, 6, 2, 14, 0)) == []  # 10:00 EDT: past the 3-hour catch-up, already sent
    assert len(quiet_tasks) == 2


def test_the_catch_up_window_and_a_late_subscriber(make_user):
    late = make_user()
    subscribe(late, hour=7)
    assert daily.due(now=utc(2026, 6, 2, 0, 30)) == [(late.pk, date(2026, 6, 2))]  # 09:30: within 3 hours
    assert daily.due(now=utc(2026, 6, 2, 1, 0)) == []  # 10:00: too late for today, tomorrow at 07:00


def test_spring_forward_the_hour_that_does_not_exist_still_comes(make_user):
    person = make_user()
    subscribe(person, hour=2, zone="America/New_York")  # 2026-03-08 02:00 EST does not exist
    assert daily.due(now=utc(2026, 3, 8, 6, 59)) == []  # 01:59 EST
    assert daily.due(now=utc(2026, 3, 8, 7, 0)) == [(person.pk, date(2026, 3, 8))]  # 03:00 EDT


def test_fall_back_the_hour_that_comes_twice_sends_once(make_user, quiet_tasks):
    person = make_user()
    subscribe(person, hour=1, zone="America/New_York")  # 2026-11-01 01:00 happens twice
    assert daily.schedule(now=utc(2026, 11, 1, 5, 10))["created"] == 1  # 01:10 EDT
    assert daily.schedule(now=utc(2026, 11, 1, 6, 10))["created"] == 0  # 01:10 EST, the same day
    assert DailyDelivery.objects.count() == 1 and len(quiet_tasks) == 1


# --- Never two mails for one day --------------------------------------------------------------

def test_running_the_job_and_the_delivery_twice_sends_one_mail(user):
    dressable(user)
    subscribe(user)
    now = utc(2026, 6, 1, 22, 1)
    daily.schedule(now=now)
    daily.schedule(now=now)  # a second beat process
    delivery = DailyDelivery.objects.get()
    daily.deliver(delivery_id=delivery.pk)
    daily.deliver(delivery_id=delivery.pk)  # the message delivered twice, or the sweep's resend
    delivery.refresh_from_db()
    assert delivery.status == DailyDelivery.Status.SENT and delivery.outfit and delivery.email_sent_at
    assert len(mail.outbox) == 1
    # A restart that finds the row "sending" (its worker died) never sends it again.
    DailyDelivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=utc(2026, 6, 1, 0, 0))
    assert daily.schedule(now=now)["dead"] == 1
    assert daily.deliver(delivery_id=delivery.pk) is None and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_and_two_workers_at_once_send_one_mail(make_user, quiet_tasks):
    person = make_user()
    dressable(person)
    subscribe(person)
    now = utc(2026, 6, 1, 22, 1)
    start = threading.Barrier(2)
    errors = []

    def run(job):
        try:
            start.wait(timeout=10)
            job()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(lambda: daily.schedule(now=now),)) for _ in range(2)]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    assert errors == [] and DailyDelivery.objects.count() == 1 and len(quiet_tasks) == 1
    delivery_id = quiet_tasks[0]
    start = threading.Barrier(2)
    threads = [threading.Thread(target=run, args=(lambda: daily.deliver(delivery_id=delivery_id),))
               for _ in range(2)]
    [thread.start() for thread in threads]
    [thread.join(timeout=120) for thread in threads]
    assert errors == []
    assert len(mail.outbox) == 1 and DailyDelivery.objects.get().status == DailyDelivery.Status.SENT


def test_nothing_to_wear_sends_nothing(user):
    subscribe(user)
    daily.schedule(now=utc(2026, 6, 1, 22, 1))
    delivery = daily.deliver(delivery_id=DailyDelivery.objects.get().pk)
    assert delivery.status == DailyDelivery.Status.SKIPPED and mail.outbox == []


# --- The mail ------------------------------------------------------------------------------------

def deliver_now(owner) -> DailyDelivery:
    from django.test import TestCase

    daily.schedule(now=utc(2026, 6, 1, 22, 1))
    with TestCase.captureOnCommitCallbacks(execute=True):  # the webhook's task is sent after commit
        return daily.deliver(delivery_id=DailyDelivery.objects.get(owner=owner).pk)


def test_the_mail_has_the_collage_inline_a_text_part_and_the_links(user):
    dressable(user)
    user.language = "ko"
    user.save()
    subscribe(user)
    delivery = deliver_now(user)
    [sent] = mail.outbox
    assert sent.to == [user.email] and sent.extra_headers["Content-Language"] == "ko"
    parsed = email.message_from_bytes(sent.message().as_bytes())
    assert parsed.get_content_type() == "multipart/related"
    alternative, image = parsed.get_payload()
    assert [part.get_content_type() for part in alternative.get_payload()] == ["text/plain", "text/html"]
    assert image.get_content_type() == "image/jpeg" and image["Content-ID"] == "<todays-outfit>"
    assert image.get_payload(decode=True)[:3] == b"\xff\xd8\xff"
    text = alternative.get_payload()[0].get_payload(decode=True).decode()
    html = alternative.get_payload()[1].get_payload(decode=True).decode()
    assert 'src="cid:todays-outfit"' in html
    outfit = delivery.outfit
    assert outfit.explanation["ko"] in text and "반팔 티셔츠" in text  # the pieces in the owner's language
    for purpose in oneclick.PURPOSES:
        assert f"https://closet.example.com/me/data/o/{purpose}/" in text and f"/o/{purpose}/" in html
    assert outfit.request.season == "summer" and outfit.request.temperature is None  # no provider: the season


def test_the_collage_draws_every_piece(user):
    import io

    from PIL import Image

    dressable(user)
    subscribe(user)
    outfit = deliver_now(user).outfit
    image = Image.open(io.BytesIO(daily_mail.collage(outfit)))
    pieces = outfit.entries.count()
    assert pieces == 3 and image.size == (2 * daily_mail.TILE, 2 * daily_mail.TILE)
    tiles = [image.crop((x, y, x + daily_mail.TILE, y + daily_mail.TILE)).convert("L").getextrema()
             for y in (0, daily_mail.TILE) for x in (0, daily_mail.TILE)]
    assert [low < 250 for low, _ in tiles] == [True, True, True, False]  # three pieces drawn, one tile empty


def test_todays_weather_comes_from_the_provider(user, provider):  # noqa: F811
    dressable(user)
    user.city = "Seoul"
    user.save()
    subscribe(user)
    delivery = deliver_now(user)
    request = delivery.outfit.request
    assert (request.temperature, request.precipitation, request.weather_from_provider) == (8.4, "rain", True)
    assert "서울" in mail.outbox[0].body and "8.4" in mail.outbox[0].body


# --- One-click links ----------------------------------------------------------------------------

def links_of(owner) -> dict[str, str]:
    delivery = deliver_now(owner)
    text = mail.outbox[-1].body
    return delivery, {purpose: next(word for word in text.split() if f"/o/{purpose}/" in word)
                      .removeprefix("https://closet.example.com") for purpose in oneclick.PURPOSES}


def test_one_click_wore_it_and_like_work_once_without_a_login(client, user):
    dressable(user)
    subscribe(user)
    delivery, links = links_of(user)
    # Opening the link (as a mail scanner does) only asks.
    page = client.get(links["wear"])
    assert page.status_code == 200 and "Log this outfit as worn on" in page.content.decode()
    assert 'method="post"' in page.content.decode() and not Wear.objects.exists()
    client.get(links["like"])
    assert not OutfitFeedback.objects.exists() and not OneClickUse.objects.exists()
    response = client.post(links["wear"])
    assert response.status_code == 200 and "Logged as worn" in response.content.decode()
    worn = set(Wear.objects.values_list("item_id", "worn_on"))
    assert len(worn) == len(delivery.outfit.items.all()) and {day for _, day in worn} == {date(2026, 6, 2)}
    assert "used already" in client.post(links["wear"]).content.decode()  # again: nothing changes
    assert "used already" in client.get(links["wear"]).content.decode()
    assert set(Wear.objects.values_list("item_id", "worn_on")) == worn
    assert client.post(links["like"]).status_code == 200
    assert OutfitFeedback.objects.get().liked
    client.post(links["dislike"])
    assert not OutfitFeedback.objects.get().liked  # the other opinion replaces it, once
    client.post(links["like"])
    assert not OutfitFeedback.objects.get().liked and OneClickUse.objects.count() == 3
    # No session was made: the rest of the site still asks for a login.
    assert client.get(reverse("closet")).status_code == 302


def test_the_one_click_page_asks_in_the_owners_language(client, user):
    user.language = "ko"
    user.save(update_fields=["language"])
    dressable(user)
    subscribe(user)
    _, links = links_of(user)
    page = client.get(links["dislike"]).content.decode()
    assert "이 코디가 마음에 들지 않는다고" in page and "별로예요" in page
    assert "이런 코디는 덜 추천할게요" in client.post(links["dislike"]).content.decode()
    assert OutfitFeedback.objects.get().liked is False


def test_expired_tampered_and_misused_links_change_nothing(client, user, monkeypatch):
    dressable(user)
    subscribe(user)
    delivery, links = links_of(user)
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 4 * 24 * 3600)
    old = oneclick.link(purpose="wear", outfit=delivery.outfit, on=delivery.local_date)
    monkeypatch.setattr(signing.time, "time", real)
    assert client.get(old.removeprefix("https://closet.example.com")).status_code == 410
    assert client.post(old.removeprefix("https://closet.example.com")).status_code == 410
    tampered = links["wear"][:-3] + ("aaa" if not links["wear"].endswith("aaa/") else "bbb") + "/"
    assert client.get(tampered).status_code == 400 and client.post(tampered).status_code == 400
    like_token = links["like"].rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("daily-one-click", args=["wear", like_token])).status_code == 400  # another purpose
    assert client.get(reverse("daily-one-click", args=["delete", like_token])).status_code == 404
    forged = signing.dumps({"u": user.pk, "o": str(delivery.outfit.pk), "d": "2026-06-02"}, salt="other")
    assert client.post(reverse("daily-one-click", args=["wear", forged])).status_code == 400
    assert not Wear.objects.exists() and not OutfitFeedback.objects.exists() and not OneClickUse.objects.exists()


def test_a_link_for_someone_elses_outfit_is_not_valid(client, user, other_user):
    dressable(user)
    subscribe(user)
    delivery, _ = links_of(user)
    token = signing.dumps({"u": other_user.pk, "o": str(delivery.outfit.pk), "d": "2026-06-02"},
                          salt=oneclick.SALT.format(purpose="like"))  # a valid signature, the wrong owner
    assert client.post(reverse("daily-one-click", args=["like", token])).status_code == 400
    assert not OutfitFeedback.objects.exists()


# --- The webhook ----------------------------------------------------------------------------------

class Hook(BaseHTTPRequestHandler):
    answers: list = []
    delay = 0.0
    calls: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((self.path, self.headers["Content-Type"], json.loads(body)))
        time.sleep(self.delay)
        status = self.answers.pop(0) if self.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def hook(settings):
    # A class per test: a slow answer still running from an earlier test cannot take this one's.
    handler = type("ThisTestsHook", (Hook,), {"answers": [], "delay": 0.0, "calls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.DAILY_WEBHOOK_ALLOW_PRIVATE = True
    settings.DAILY_WEBHOOK_TIMEOUT_SECONDS = 0.5
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/ntfy/closet"
    yield handler
    server.shutdown()


def test_the_webhook_gets_the_outfit_as_json(user, hook):
    dressable(user)
    subscribe(user, webhook_url=hook.url)
    delivery = deliver_now(user)
    delivery.refresh_from_db()
    [(path, content_type, payload)] = hook.calls
    assert path == "/ntfy/closet" and content_type.startswith("application/json")
    assert payload["type"] == "daily_outfit" and payload["date"] == "2026-06-02"
    assert payload["text"] == payload["message"] and payload["outfit"]["explanation"]
    assert payload["links"]["wore_it"].startswith("https://closet.example.com/me/data/o/wear/")
    assert delivery.webhook_status == "sent" and delivery.webhook_sent_at and len(mail.outbox) == 1


def test_a_webhook_still_to_post_is_dropped_when_the_account_is_leaving(user, hook, quiet_tasks, monkeypatch):
    from accounts.services import start_account_deletion
    from wardrobe.tasks import post_daily_webhook

    queued = []
    monkeypatch.setattr(post_daily_webhook, "apply_async", lambda args, **options: queued.append(args[0]))
    dressable(user)
    subscribe(user, webhook_url=hook.url, by_email=False)
    delivery = deliver_now(user)
    assert queued == [delivery.pk]
    start_account_deletion(user=user)  # before the task ran (a retry can be an hour later)
    post_daily_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert hook.calls == [] and delivery.webhook_status == "failed"


def test_days_missed_while_the_workers_were_away_bring_one_mail_not_one_each(user, quiet_tasks):
    dressable(user)
    subscribe(user, hour=7, zone="Asia/Seoul")
    for day in (2, 3, 4):  # each made by the beat at 07:01 in Seoul, none delivered
        row = DailyDelivery.objects.create(owner=user, local_date=date(2026, 6, day))
        DailyDelivery.objects.filter(pk=row.pk).update(created_at=utc(2026, 6, day - 1, 22, 1),
                                                     enqueued_at=utc(2026, 6, day - 1, 22, 1))
    quiet_tasks.clear()
    daily.schedule(now=utc(2026, 6, 4, 22, 1))  # back at 07:01 on the 5th
    for delivery_id in quiet_tasks:
        daily.deliver(delivery_id=delivery_id)
    assert len(mail.outbox) == 1
    statuses = dict(DailyDelivery.objects.values_list("local_date", "status"))
    assert statuses == {date(2026, 6, 2): "skipped", date(2026, 6, 3): "skipped", date(2026, 6, 4): "skipped",
                        date(2026, 6, 5): "sent"}


def test_webhook_failures_are_retried_with_backoff_then_given_up(user, hook, settings):
    dressable(user)
    subscribe(user, webhook_url=hook.url, by_email=False)
    hook.answers = [503, 502]
    delivery = deliver_now(user)
    delivery.refresh_from_db()
    assert len(hook.calls) == 3 and delivery.webhook_status == "sent" and mail.outbox == []

    settings.DAILY_WEBHOOK_MAX_RETRIES = 2
    hook.calls, hook.delay = [], 1.0  # slower than the timeout, every time
    DailyDelivery.objects.filter(pk=delivery.pk).update(webhook_status="pending")
    from wardrobe.tasks import post_daily_webhook

    started = time.monotonic()
    post_daily_webhook.apply(args=[delivery.pk])
    assert time.monotonic() - started < 6
    delivery.refresh_from_db()
    assert len(hook.calls) == 3 and delivery.webhook_status == "failed" and "did not answer" in delivery.message


def test_a_refusing_webhook_is_not_retried(user, hook):
    dressable(user)
    subscribe(user, webhook_url=hook.url)
    hook.answers = [404]
    delivery = deliver_now(user)
    delivery.refresh_from_db()
    assert len(hook.calls) == 1 and delivery.webhook_status == "failed" and "404" in delivery.message
    assert delivery.status == DailyDelivery.Status.SENT and len(mail.outbox) == 1  # the mail went anyway


def test_private_addresses_and_other_schemes_are_refused_in_production(user, hook, settings):
    settings.DAILY_WEBHOOK_ALLOW_PRIVATE = False
    for url in (hook.url, "http://localhost:8080/x", "http://10.0.0.8/x", "http://169.254.169.254/latest",
                "http://[::1]/x", "http://[::ffff:127.0.0.1]/x",
                # private IPv4 inside NAT64 and 6to4 addresses (a NAT64 network routes them)
                "http://[64:ff9b::a9fe:a9fe]/latest", "http://[64:ff9b:1::a00:1]/x", "http://[2002:a9fe:a9fe::1]/x",
                "http://[64:ff9b:1:a9fe:a9:fe00:808:808]/x"):  # a local-use NAT64 prefix carries it elsewhere
        with pytest.raises(webhooks.WebhookRefused, match="private"):
            webhooks.post_json(url, {})
    for url in ("ftp://example.com/x", "file:///etc/passwd", "gopher://example.com"):
        with pytest.raises(webhooks.WebhookRefused, match="http"):
            webhooks.check_url(url)
    with pytest.raises(webhooks.WebhookRefused, match="user name"):
        webhooks.check_url("https://user:pw@example.com/x")
    assert hook.calls == []
    dressable(user)
    subscribe(user, webhook_url=hook.url)  # saved before the setting changed, say
    delivery = deliver_now(user)
    delivery.refresh_from_db()
    assert delivery.webhook_status == "failed" and hook.calls == []


# --- The settings on the page -------------------------------------------------------------------

def test_the_settings_form_saves_and_refuses_bad_values(alice_client, user, settings):
    page = alice_client.get(reverse("my-data"))
    assert page.status_code == 200 and "Today's outfit, delivered" in page.content.decode()
    response = alice_client.post(reverse("daily-settings"), {
        "enabled": "on", "hour": "8", "time_zone": "Europe/Berlin", "by_email": "on", "style": "minimal",
        "occasion": "work", "webhook_url": ""})
    assert response.status_code == 302
    subscription = DailyOutfitSubscription.objects.get(owner=user)
    assert (subscription.enabled, subscription.hour, subscription.time_zone, subscription.style) == (
        True, 8, "Europe/Berlin", "minimal")
    settings.DAILY_WEBHOOK_ALLOW_PRIVATE = False
    for bad in ({"time_zone": "Mars/Olympus"}, {"hour": "25"}, {"webhook_url": "http://127.0.0.1:9/x"},
                {"webhook_url": "ftp://example.com/x"}):
        data = {"enabled": "on", "hour": "8", "time_zone": "Europe/Berlin", "style": "casual",
                "occasion": "daily", **bad}
        assert alice_client.post(reverse("daily-settings"), data).status_code == 400, bad
    assert DailyOutfitSubscription.objects.get(owner=user).hour == 8


def test_the_settings_saved_on_my_page_go_back_there_and_never_off_site(alice_client, user):
    data = {"enabled": "on", "hour": "6", "time_zone": "Asia/Seoul", "by_email": "on", "style": "casual",
            "occasion": "daily"}
    page = alice_client.get(reverse("my-page")).content.decode()
    assert reverse("daily-settings") in page and 'name="time_zone"' in page
    response = alice_client.post(reverse("daily-settings"), {**data, "next": "/accounts/me/#daily"})
    assert response.url == "/accounts/me/#daily"
    response = alice_client.post(reverse("daily-settings"), {**data, "next": "https://evil.example.com/"})
    assert response.url == reverse("my-data")


class SlowSMTP(socketserver.StreamRequestHandler):
    """Takes the mail, then waits `delay` before saying so (a server that stopped answering)."""

    received: list = []
    delay = 0.0

    def handle(self):
        self.wfile.write(b"220 test\r\n")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command == b"DATA":
                self.wfile.write(b"354 go\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                type(self).received.append(data)
                time.sleep(self.delay)
                self.wfile.write(b"250 queued\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_a_mail_the_server_took_before_it_stopped_answering_is_not_sent_again(user, settings):
    handler = type("ThisTestsSMTP", (SlowSMTP,), {"received": [], "delay": 1.5})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.server_address[1], 0.5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        dressable(user)
        subscribe(user)
        delivery = DailyDelivery.objects.create(owner=user, local_date=date(2026, 6, 2))
        with pytest.raises(Exception):
            daily.deliver(delivery_id=delivery.pk)
        assert len(handler.received) == 1
        handler.delay = 0.0
        assert daily.deliver(delivery_id=delivery.pk) is None  # the task's retry: not claimed again
        delivery.refresh_from_db()
        assert delivery.status == DailyDelivery.Status.FAILED and "not sent again" in delivery.message
        assert len(handler.received) == 1
    finally:
        server.shutdown()


def test_a_mail_server_that_is_away_is_tried_again(user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 0.5  # nothing listens
    dressable(user)
    subscribe(user)
    delivery = DailyDelivery.objects.create(owner=user, local_date=date(2026, 6, 2))
    with pytest.raises(OSError):
        daily.deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DailyDelivery.Status.PENDING  # handed back: nothing was handed over


def test_a_mail_in_doubt_still_leaves_the_days_webhook_to_post(user, hook, monkeypatch):
    from wardrobe import daily_mail

    def stops_answering(**kwargs):
        raise daily_mail.MaybeSent("the server went quiet after DATA")

    monkeypatch.setattr(daily_mail, "send", stops_answering)
    dressable(user)
    subscribe(user, webhook_url=hook.url)
    with pytest.raises(daily_mail.MaybeSent):
        deliver_now(user)
    delivery = DailyDelivery.objects.get(owner=user)
    assert delivery.status == DailyDelivery.Status.FAILED and delivery.webhook_status == "sent"
    assert len(hook.calls) == 1

"""How long one uploaded photo takes to show "ready" in a real browser, with the embedded
defaults (SQLite, the broker in files): median and p95 over 10 uploads, one at a time, and
where the time goes (broker pick-up, the models, the page noticing).

    .venv/bin/python scripts/bench/ready_time.py [--uploads 10]

Starts gunicorn and one worker for both queues on a scratch database, signs in with
Chromium (/usr/bin/chromium), and for each photo measures from choosing the file on the
closet page to its card turning ready. Target: median <= 1.0 s.
"""

import argparse
import os
import statistics
import time
from pathlib import Path

from _setup import ROOT, django_with_scratch_database, percentile
from load import photo_files, start_worker, stop_workers

PASSWORD = "ready-bench-passphrase-1"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread; the ORM reads are ours
    os.environ.pop("CELERY_BROKER_URL", None)  # the embedded default: a broker in files
    django_with_scratch_database()
    scratch = Path(os.environ["WARDROBE_VAR_DIR"])
    import sys

    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from accounts.models import User
    from tests.processes import WebServer
    from wardrobe.models import Item

    User.objects.create_user("ready", "ready@example.com", PASSWORD, nickname="Ready")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wardrobe.settings"}
    worker = start_worker(env, "gpu,default", "worker", scratch)
    web = WebServer(env, scratch / "web.log")
    try:
        # The worker loads its models when it starts: let it, as a running service would have.
        time.sleep(10)
        rows = run(args, web.url, sync_playwright, Item)
    finally:
        stop_workers([worker])
        web.stop()
    shown = [row["shown"] for row in rows]
    print(f"{len(rows)} uploads, one at a time; embedded defaults (SQLite, broker in files)")
    print(f"upload chosen -> card shows ready: median {statistics.median(shown):.2f} s, "
          f"p95 {percentile(shown, 0.95):.2f} s ({statistics.median(shown) / 1.0:.2f} of the 1.0 s target)")
    for name, label in (("uploaded", "file chosen -> upload answered"), ("picked", "upload saved -> worker took it"),
                        ("models", "worker took it -> results stored"), ("noticed", "results stored -> card ready")):
        values = [row[name] for row in rows]
        print(f"  {label}: median {statistics.median(values):.2f} s, p95 {percentile(values, 0.95):.2f} s")


def run(args, base_url, sync_playwright, Item) -> list[dict]:
    files = photo_files(args.uploads)
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{base_url}/accounts/login/")
        page.fill("input[name=username]", "ready")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.wait_for_url(f"{base_url}/")
        page.goto(f"{base_url}/closet/")
        for path in files:
            known = set(Item.objects.values_list("pk", flat=True))
            started = time.time()
            page.set_input_files("#upload input[type=file]", str(path))
            page.wait_for_function("document.querySelectorAll('article.card.status-ready').length > %d" % len(rows),
                                   timeout=60_000)
            shown_at = time.time()
            item = Item.objects.exclude(pk__in=known).get()
            created, processed = item.created_at.timestamp(), item.processed_at.timestamp()
            # When the worker claimed it: its first prediction's step ran right after.
            picked = processed - sum(p.duration_ms for p in item.predictions.all()) / 1000
            rows.append({"shown": shown_at - started, "uploaded": created - started, "picked": picked - created,
                         "models": processed - picked, "noticed": shown_at - processed})
        browser.close()
    return rows


if __name__ == "__main__":
    main()

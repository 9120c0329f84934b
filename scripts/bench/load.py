"""N people uploading M photos each at once, through gunicorn, to real workers.

    .venv/bin/python scripts/bench/load.py [--users 10] [--photos 5] [--model-workers 1]
                                           [--inference-threads 0]

Starts its own processes on a scratch SQLite database (or DATABASE_URL) and a private
redis-server on a spare port (or a broker in files when redis-server is missing): gunicorn
(2 processes x 4 threads, as the Procfile), MODEL-WORKERS Celery workers on the "gpu"
queue (concurrency 1 each), and one light worker with the scheduler. Photos come from
../shared/datasets/clothing when it is there, else from the test fixtures.

Prints upload time p50/p95 (client side), the closet page's p50/p95 while the queue drains,
photos per second from the first upload to the last ready item, and lost photos (accepted
uploads that did not end ready: must be 0).
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from _setup import ROOT, django_with_scratch_database, percentile

sys.path.insert(0, str(ROOT))
PASSWORD = "load-bench-passphrase-1"


def photo_files(count: int) -> list[Path]:
    shared = ROOT.parent / "shared" / "datasets" / "clothing" / "images"
    files = sorted(shared.glob("*.jpg"))[:count] if shared.is_dir() else []
    if len(files) < count:
        fixtures = sorted((ROOT / "tests" / "fixtures" / "garments" / "images").glob("*.jpg"))
        files += [fixtures[i % len(fixtures)] for i in range(count - len(files))]
    return files


def start_worker(env: dict, queues: str, name: str, log_dir: Path, beat: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "wardrobe", "worker", "--queues", queues,
               "--concurrency", "1", "--loglevel", os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"), "--hostname", f"{name}@%h"]
    if beat:
        command += ["--beat", "--schedule", str(log_dir / "beat-schedule")]
    log = open(log_dir / f"{name}.log", "w")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop_workers(processes: list[subprocess.Popen], timeout: float = 60) -> None:
    """Warm shutdown first; a worker still running after `timeout` is killed, and said so."""
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"worker {process.pid} did not stop within {timeout:.0f} s of SIGTERM: killed", file=sys.stderr)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--photos", type=int, default=5, help="photos per user")
    parser.add_argument("--model-workers", type=int, default=1)
    parser.add_argument("--inference-threads", type=int, default=0,
                        help="onnxruntime threads per worker (0: onnxruntime's choice, all cores)")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,testserver")
    os.environ.setdefault("UPLOADS_PER_HOUR", "100000")
    from tests.processes import REDIS_SERVER, RedisServer, Visitor, WebServer

    redis = None
    if REDIS_SERVER and not os.environ.get("CELERY_BROKER_URL"):
        import tempfile

        redis = RedisServer(Path(tempfile.mkdtemp(prefix="wardrobe-bench-redis-")))
        os.environ["CELERY_BROKER_URL"] = redis.url
    django_with_scratch_database()
    scratch = Path(os.environ["WARDROBE_VAR_DIR"])

    from accounts.models import User
    from wardrobe.models import Item

    users = [User.objects.create_user(f"load{n}", f"load{n}@example.com", PASSWORD, nickname=f"Load {n}")
             for n in range(args.users)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wardrobe.settings"}
    if args.inference_threads:
        env["INFERENCE_THREADS"] = str(args.inference_threads)
    processes = [start_worker(env, "gpu", f"model{n}", scratch) for n in range(args.model_workers)]
    processes.append(start_worker(env, "default", "light", scratch, beat=True))
    web = WebServer(env, scratch / "web.log")
    try:
        run(args, web, users, Visitor, Item)
    finally:
        stop_workers(processes)
        web.stop()
        if redis:
            redis.kill()


def run(args, web, users, Visitor, Item):
    files = photo_files(args.users * args.photos)
    visitors = [Visitor(web.url) for _ in users]
    for visitor, user in zip(visitors, users):
        visitor.log_in(user.username, PASSWORD)
    # Let the model workers load their models first, as a running service would have.
    time.sleep(5)

    upload_seconds, accepted, refused = [], [], []
    lock = threading.Lock()

    def upload_all(visitor, mine):
        for path in mine:
            started = time.perf_counter()
            response = visitor.upload(path.name, path.read_bytes())
            with lock:
                upload_seconds.append(time.perf_counter() - started)
                (accepted if response.status_code == 200 else refused).append(path.name)

    threads = [threading.Thread(target=upload_all, args=(visitor, files[n * args.photos:(n + 1) * args.photos]))
               for n, visitor in enumerate(visitors)]
    began = time.monotonic()
    for thread in threads:
        thread.start()

    closet_seconds, draining = [], threading.Event()

    def watch_closet():
        while not draining.is_set():
            started = time.perf_counter()
            visitors[0].get("/closet/").raise_for_status()
            closet_seconds.append(time.perf_counter() - started)
            time.sleep(0.2)

    watcher = threading.Thread(target=watch_closet)
    watcher.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + args.timeout
    pending = Item.objects.filter(status__in=[Item.Status.QUEUED, Item.Status.PROCESSING])
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    elapsed = time.monotonic() - began
    draining.set()
    watcher.join()

    ready = Item.objects.filter(status=Item.Status.READY).count()
    failed = Item.objects.filter(status=Item.Status.FAILED).count()
    print(f"{args.users} users x {args.photos} photos, {args.model_workers} model worker(s), "
          f"inference threads {args.inference_threads or 'default'}")
    print(f"uploads: {len(accepted)} accepted, {len(refused)} refused; "
          f"p50 {percentile(upload_seconds, 0.5):.2f} s, p95 {percentile(upload_seconds, 0.95):.2f} s")
    print(f"closet page while draining: {len(closet_seconds)} requests, "
          f"p50 {percentile(closet_seconds, 0.5) * 1000:.0f} ms, p95 {percentile(closet_seconds, 0.95) * 1000:.0f} ms")
    print(f"all settled in {elapsed:.1f} s: {ready / elapsed:.2f} photos/s; ready {ready}, failed {failed}, "
          f"lost {len(accepted) - ready - failed}")


if __name__ == "__main__":
    main()

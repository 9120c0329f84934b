"""A real Celery worker process for end-to-end tests, on the broker and database the tests use."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database (not the developer's), as the worker must see the test's rows."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """`beat=True` runs the scheduler inside the worker (the sweep), as one small machine may."""

    def __init__(self, media_root: Path, log_path: Path, extra_env: dict | None = None, beat: bool = False):
        from wardrobe.celery import app

        if not extra_env or "CELERY_BROKER_URL" not in extra_env:
            app.control.purge()  # messages left by earlier tests would only slow the worker down
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wardrobe.settings",
            "DATABASE_URL": database_url(),
            "WARDROBE_VAR_DIR": str(settings.VAR_DIR),
            "MEDIA_ROOT": str(media_root),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            **(extra_env or {}),
        }
        self.beat_schedule = log_path.with_suffix(".beat-schedule")
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.beat = beat
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "wardrobe", "worker", "--queues", "gpu,default",
             "--concurrency", "1", "--loglevel", "INFO", "--without-mingle", "--without-gossip",
             "--hostname", f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
             *(["--beat", "--schedule", str(self.beat_schedule)] if self.beat else [])],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its pool too
        )

    def kill(self):
        """kill -9 of the worker and its pool: no warm shutdown, nothing acknowledged."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def wait_for(self, condition, *, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited ({self.process.returncode}):\n{self.output()[-4000:]}")
            time.sleep(0.5)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; worker log:\n{self.output()[-4000:]}")

    def stop(self):
        """Warm shutdown, then anything left of the group is killed: no pool process may
        outlive the test holding a connection to the test database."""
        group = self.process.pid
        if self.process.poll() is None:
            os.killpg(group, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.log.close()
        _wait_for_other_sessions_to_end()


def _wait_for_other_sessions_to_end(timeout: float = 15.0):
    """PostgreSQL ends a killed client's session a moment later; dropping the test
    database before then fails."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    # Its own connection, closed here, so that this check never becomes the session left over.
    probe = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with probe.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.2)
    finally:
        probe.close()

"""The app's real processes for fault drills and the load benchmark: a private Redis on a
spare port, gunicorn, a TCP proxy that can cut a service off, and an HTTP client that
logs in and uploads as a browser does."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class RedisServer:
    """Our own redis-server (never the machine's), keeping nothing on disk: a restart loses
    every message, as a broker outage may."""

    def __init__(self, folder: Path):
        if not REDIS_SERVER:
            raise FileNotFoundError("redis-server")
        self.folder, self.port, self.process = folder, free_port(), None
        folder.mkdir(parents=True, exist_ok=True)
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(lambda: _answers(self.port), timeout=20, what=f"redis-server on {self.port}")

    def kill(self):
        """A sudden outage: SIGKILL, nothing saved."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    stop = kill


class TcpProxy:
    """Forwards 127.0.0.1:port to a target; `cut()` drops every connection and refuses new
    ones, as an unreachable service does, while the service behind it keeps its data."""

    def __init__(self, target_port: int):
        self.target_port, self.port = target_port, free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = None
        self.restore()

    def restore(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        listener, self._listener = self._listener, None
        if listener:
            listener.close()
        with self._lock:
            for sock in list(self._sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    close = cut

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # the timeout was for connecting: idle connections stay open
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class WebServer:
    """gunicorn serving the app, as the Procfile runs it."""

    def __init__(self, env: dict, log_path: Path, workers: int = 2):
        self.port = free_port()
        self.log = open(log_path, "w")
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wardrobe.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", "4", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(lambda: self.process.poll() is not None or _answers(self.port), timeout=60, what="gunicorn")
        finally:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.output()[-3000:]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Visitor:
    """One person in a browser: logs in, uploads with the page's own request shape."""

    def __init__(self, base_url: str):
        import requests

        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names

    def _csrf(self, path: str) -> str:
        page = self.session.get(self.base_url + path, timeout=30)
        page.raise_for_status()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def log_in(self, username: str, password: str):
        token = self._csrf("/accounts/login/")
        self.session.post(self.base_url + "/accounts/login/", timeout=30, data={
            "csrfmiddlewaretoken": token, "username": username, "password": password})
        assert "sessionid" in self.session.cookies, "login failed"
        self.token = self._csrf("/closet/")

    def upload(self, name: str, data: bytes):
        return self.session.post(
            self.base_url + "/items/upload/", timeout=60, headers={"HX-Request": "true"},
            data={"csrfmiddlewaretoken": self.token}, files={"photos": (name, data, "image/jpeg")})

    def get(self, path: str):
        return self.session.get(self.base_url + path, timeout=30)

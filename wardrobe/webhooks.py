"""A JSON POST to a URL somebody gave us (ntfy, Slack-style and Discord-style chat hooks).

http(s) only; no redirects are followed; a short timeout. Unless
DAILY_WEBHOOK_ALLOW_PRIVATE is on, the host must resolve to public addresses only, and the
address actually connected to is checked again (a name that resolves differently the
second time cannot reach a private one). No proxy from the environment is used.
"""

import http.client
import ipaddress
import json
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class WebhookRefused(Exception):
    """The URL may not be called (scheme, address) or answered "no" (4xx): no retry mends it."""


class WebhookUnavailable(Exception):
    """Timeout, connection error, 429 or 5xx: worth another try later."""


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the IPv4 address in the low 32 bits
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # local use (RFC 8215), never global


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if settings.DAILY_WEBHOOK_ALLOW_PRIVATE:
        return not ip.is_multicast and not ip.is_unspecified
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried inside an IPv6 one (mapped, 6to4, NAT64) is judged as itself:
        # on a NAT64 network [64:ff9b::a9fe:a9fe] reaches 169.254.169.254.
        if ip in LOCAL_NAT64:
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a URL that may be called; WebhookRefused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise WebhookRefused(_("Only http:// and https:// addresses can be called."))
    if not parts.hostname:
        raise WebhookRefused(_("The address has no host."))
    if parts.username or parts.password:
        raise WebhookRefused(_("The address may not carry a user name or password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookRefused(_("The address's port is not a number."))
    try:
        found = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        raise WebhookUnavailable(_("The host %(host)s cannot be found.") % {"host": parts.hostname})
    refused = sorted(address for address in found if not _allowed(address))
    if refused:
        raise WebhookRefused(_("The host %(host)s is a private, loopback or local address; "
                               "only public addresses can be called.") % {"host": parts.hostname})
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def _check_peer(sock) -> None:
    address = sock.getpeername()[0]
    if not _allowed(address):
        sock.close()
        raise WebhookRefused(_("The host answered from a private address; refused."))


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        _check_peer(self.sock)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        http.client.HTTPConnection.connect(self)
        _check_peer(self.sock)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def post_json(url: str, payload: dict, *, timeout: float | None = None) -> int:
    """POSTs the payload; returns the 2xx status. Raises WebhookRefused or WebhookUnavailable."""
    scheme, host, port, path = check_url(url)
    timeout = settings.DAILY_WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    if scheme == "https":
        connection = _CheckedHTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = _CheckedHTTPConnection(host, port, timeout=timeout)
    body = json.dumps(payload, ensure_ascii=False).encode()
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "ai-wardrobe",
            "Content-Length": str(len(body))})
        # Only the status counts: the body is not read (a server could drip it for minutes).
        status = connection.getresponse().status
    except WebhookRefused:
        raise
    except ssl.SSLCertVerificationError as error:
        raise WebhookRefused(_("The host's certificate is not valid: %(error)s") % {"error": error.verify_message})
    except (OSError, http.client.HTTPException) as error:  # timeouts, refused connections, bad answers
        raise WebhookUnavailable(_("The webhook did not answer: %(error)s") % {"error": error}) from error
    finally:
        connection.close()
    if 200 <= status < 300:
        return status
    if status in (408, 425, 429) or status >= 500:
        raise WebhookUnavailable(_("The webhook answered %(status)d.") % {"status": status})
    raise WebhookRefused(_("The webhook answered %(status)d.") % {"status": status})

"""The port between the processing worker and whoever owns the photos.

inference/ knows no domain model: a domain (the closet today, the shop catalog later)
registers a consumer at start-up, and the worker asks it to claim a batch, read each
photo, and store or fail each result. The task carries only the consumer's name and a key.
"""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Batch:
    token: str  # proof of ownership: a store or fail without it changes nothing
    keys: list[str] = field(default_factory=list)


class PhotoConsumer(Protocol):
    name: str

    def claim(self, *, key: str, batch_size: int) -> Batch:
        """Takes the photo `key` (and others waiting, to fill a batch), unless someone has it."""

    def renew(self, *, token: str) -> None:
        """Says the worker holding the batch is alive (a heartbeat)."""

    def read(self, *, key: str) -> bytes:
        """The photo's bytes; FileNotFoundError when it is gone."""

    def store(self, *, key: str, token: str, result) -> None:
        """Keeps a successful pipeline result."""

    def fail(self, *, key: str, token: str, reason: str) -> None:
        """Records why a photo could not be processed."""

    def release(self, *, token: str, retried_key: str) -> None:
        """Gives the batch back for a retry after a transient error: the task's retry brings
        `retried_key` again; the batch's other photos go to the outbox for the sweep to send."""


_consumers: dict[str, PhotoConsumer] = {}


def register(consumer: PhotoConsumer) -> None:
    _consumers[consumer.name] = consumer


def get(name: str) -> PhotoConsumer:
    try:
        return _consumers[name]
    except KeyError:
        raise LookupError(f"no photo consumer named {name!r} (registered: {sorted(_consumers)})") from None

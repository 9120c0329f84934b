"""Reading an outside server's answer within a time and size budget.

A socket timeout bounds each wait, not the whole: a server sending a byte at a time could
hold a page or a worker for minutes. The deadline bounds the whole answer.
"""

import time


class TooSlow(Exception):
    pass


def read_within(response, *, limit: int, seconds: float) -> bytes:
    """Up to limit + 1 bytes of the answer (so a caller sees it is over); TooSlow when it has
    not all arrived `seconds` after the call."""
    deadline = time.monotonic() + seconds
    chunks, size = [], 0
    while size <= limit and (chunk := response.read1(min(64 * 1024, limit + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise TooSlow(f"the answer did not arrive within {seconds:g} seconds")
    return b"".join(chunks)

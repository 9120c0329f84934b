"""Which errors mean "a service was briefly away, try again" rather than "this input is bad"."""

from django.db import InterfaceError, OperationalError


def _broker_errors() -> tuple:
    from kombu.exceptions import OperationalError as BrokerError

    return (BrokerError,)


def _storage_unavailable(error: BaseException) -> bool:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # no S3 support installed: local disk only
        return False
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        code = error.response.get("Error", {}).get("Code", "")
        return status >= 500 or code in ("SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError")
    # Connection refused, timeouts, endpoint unreachable: all BotoCoreError.
    return isinstance(error, BotoCoreError)


def is_storage_unavailable(error: BaseException) -> bool:
    """The photo storage did not answer, or answered 5xx. Not any OSError: Pillow raises
    those for broken photos, which no retry mends."""
    return _storage_unavailable(error) or isinstance(error, (ConnectionError, TimeoutError))


def is_transient(error: BaseException) -> bool:
    """Database, broker or storage briefly unreachable: worth another try later."""
    if isinstance(error, (OperationalError, InterfaceError) + _broker_errors()):
        return True
    return is_storage_unavailable(error)

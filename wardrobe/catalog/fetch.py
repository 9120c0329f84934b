"""Fetching a product's image from a feed: a local file or an http(s) URL, with the
upload's limits (size, pixels, a full decode) so a feed cannot smuggle in what a person
could not upload."""

import http.client
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.encoding import iri_to_uri

from wardrobe.net import TooSlow, read_within
from wardrobe.uploads import CheckedPhoto, PhotoRejected, check_photo

SCHEMES = ("http", "https")


class ImageUnavailable(Exception):
    pass


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, request, fp, code, message, headers, new_url):
        if urllib.parse.urlsplit(new_url).scheme not in SCHEMES:
            raise ImageUnavailable(f"redirected to a non-http address: {new_url}")
        return super().redirect_request(request, fp, code, message, headers, new_url)


_opener = urllib.request.build_opener(_HttpOnlyRedirects)


def _ascii_url(url: str) -> str:
    """The address as a request line can carry it: a shop's Korean file name percent-encoded
    (what is encoded already stays as it is), a Korean host name in IDNA."""
    parts = urllib.parse.urlsplit(url)
    if not parts.netloc.isascii():
        parts = parts._replace(netloc=parts.netloc.encode("idna").decode("ascii"))
    return iri_to_uri(urllib.parse.urlunsplit(parts))


def _download(url: str) -> bytes:
    limit = settings.MAX_UPLOAD_BYTES
    timeout = settings.PRODUCT_IMAGE_TIMEOUT_SECONDS
    try:
        request = urllib.request.Request(_ascii_url(url), headers={"User-Agent": "ai-wardrobe-catalog",
                                                                   "Accept": "image/*"})
        with _opener.open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise ImageUnavailable(f"the image is {int(declared)} bytes; the limit is {limit}")
            data = read_within(response, limit=limit, seconds=timeout)
    except ImageUnavailable:
        raise
    except TooSlow as slow:
        raise ImageUnavailable(f"the image did not arrive in time: {slow}") from slow
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError,
            UnicodeError) as error:
        raise ImageUnavailable(f"could not download it ({error})") from error
    if len(data) > limit:
        raise ImageUnavailable(f"the image is larger than the limit of {limit} bytes")
    return data


def read_image(source: str, *, base_dir: Path) -> tuple[bytes, CheckedPhoto]:
    """The image's bytes, checked as an upload is; ImageUnavailable with the reason."""
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in SCHEMES:
        data = _download(source)
    elif scheme and len(scheme) > 1:  # not a Windows drive letter
        raise ImageUnavailable(f"only http(s) addresses or local paths, not {scheme}:")
    else:
        path = (base_dir / source).resolve()
        if not path.is_file():
            raise ImageUnavailable(f"no file {source}")
        if path.stat().st_size > settings.MAX_UPLOAD_BYTES:
            raise ImageUnavailable(f"the image is larger than the limit of {settings.MAX_UPLOAD_BYTES} bytes")
        data = path.read_bytes()
    try:
        checked = check_photo(ContentFile(data, name="image"))
    except PhotoRejected as rejected:
        raise ImageUnavailable(rejected.message) from rejected
    return data, checked

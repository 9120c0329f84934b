"""Serving stored photos: streamed from local storage, or a presigned redirect on S3.

A page's photo URL carries the version of the file it shows (`?v=`): the same URL stays
cached for good, and a photo analysed again gets a new one."""

import hashlib
import mimetypes

# Not every system's MIME table knows phone photos.
mimetypes.add_type("image/heic", ".heic")

from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import content_disposition_header

# An item's photos by the name its URLs use.
MEDIA_KINDS = {
    "original": "original", "image": "image", "small": "thumb_small",
    "medium": "thumb_medium", "cutout": "cutout", "cutout-small": "cutout_small", "mask": "mask",
}
PRODUCT_MEDIA = {"small": "thumb_small", "cutout": "cutout", "original": "original"}  # a shop product's


def media_version(name: str) -> str:
    """Stored names are unique per content (a random part), so the name's hash versions the file."""
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def versioned(url: str, name: str) -> str:
    return f"{url}?v={media_version(name)}"


def stored_file_response(name: str, *, download_name: str | None = None, version: str = ""):
    """The file; kept by the browser for good when `version` is the file's own (the URL
    names this file), else checked again on every use (the URL may show a newer one)."""
    if not name:
        raise Http404
    if not isinstance(default_storage, FileSystemStorage):
        # S3 sets the download name itself, from a parameter signed into the URL.
        parameters = ({"ResponseContentDisposition": content_disposition_header(True, download_name)}
                      if download_name is not None else None)
        response = redirect(default_storage.url(name, parameters=parameters))
        response["Cache-Control"] = "private, max-age=60"
        return response
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                            as_attachment=download_name is not None, filename=download_name)
    response["Cache-Control"] = ("private, max-age=31536000, immutable" if version == media_version(name)
                                 else "private, no-cache")
    return response

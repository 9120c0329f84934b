"""Serving stored photos: streamed from local storage, or a presigned redirect on S3."""

import mimetypes

# Not every system's MIME table knows phone photos.
mimetypes.add_type("image/heic", ".heic")

from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import content_disposition_header


def stored_file_response(name: str, *, download_name: str | None = None):
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
    # Stored names are unique per content, so the browser may keep them.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response

"""Checking an uploaded photo before anything is saved.

The type comes from the bytes, never from the name or the browser's claim; the
file is decoded once in full so a truncated or corrupt photo is refused at upload
time with a message, not discovered later by a worker.
"""

import warnings
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from inference.images import register_formats

# Pillow format name -> (file extension, MIME type)
ACCEPTED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "MPO": ("jpg", "image/jpeg"),  # some phones write multi-picture JPEGs
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "HEIF": ("heic", "image/heic"),
}


class PhotoRejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedPhoto:
    extension: str
    content_type: str
    width: int
    height: int


def check_photo(upload) -> CheckedPhoto:
    """Raises PhotoRejected with a message for the person who uploaded it."""
    if upload.size == 0:
        raise PhotoRejected(_("The file is empty."))
    if upload.size > settings.MAX_UPLOAD_BYTES:
        raise PhotoRejected(_("The file is %(size)s; the limit is %(limit)s.") % {
            "size": filesizeformat(upload.size), "limit": filesizeformat(settings.MAX_UPLOAD_BYTES)})
    register_formats()
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            image_format = image.format
            width, height = image.size
            if image_format not in ACCEPTED_FORMATS:
                raise PhotoRejected(_("%(format)s images are not accepted; use JPEG, PNG, WebP or HEIC.")
                                    % {"format": image_format})
            if width * height > settings.MAX_IMAGE_PIXELS:
                raise PhotoRejected(_("The image is %(megapixels)d megapixels; the limit is %(limit)d.") % {
                    "megapixels": width * height // 1_000_000, "limit": settings.MAX_IMAGE_PIXELS // 1_000_000})
            if min(width, height) < settings.MIN_IMAGE_SIDE or (
                    max(width, height) > settings.MAX_IMAGE_ASPECT * min(width, height)):
                raise PhotoRejected(_("The image is %(width)d x %(height)d pixels: too small or too narrow "
                                      "to show a garment.") % {"width": width, "height": height})
            if image_format in ("JPEG", "MPO"):
                # Decoding at 1/8 scale still reads every byte of the file, at a fraction of the cost.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_("The image declares too many pixels to be a photo."))
    except UnidentifiedImageError:
        raise PhotoRejected(_("This is not a photo we can read; use JPEG, PNG, WebP or HEIC."))
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRejected(_("The photo is damaged or incomplete; try uploading it again."))
    finally:
        upload.seek(0)
    extension, content_type = ACCEPTED_FORMATS[image_format]
    return CheckedPhoto(extension=extension, content_type=content_type, width=width, height=height)

"""Bad input gets a clear message and nothing is saved."""

import io
import struct
import zlib

import pytest
from PIL import Image

from tests.conftest import image_bytes, photo_bytes, upload
from wardrobe.uploads import PhotoRejected, check_photo


def heic_bytes() -> bytes:
    from inference.images import register_formats

    register_formats()
    return image_bytes("HEIF", quality=80)


@pytest.mark.parametrize("image_format, extension, content_type", [
    ("JPEG", "jpg", "image/jpeg"),
    ("PNG", "png", "image/png"),
    ("WEBP", "webp", "image/webp"),
])
def test_common_formats_are_accepted(image_format, extension, content_type):
    checked = check_photo(upload(f"photo.{extension}", image_bytes(image_format)))
    assert (checked.extension, checked.content_type, checked.width, checked.height) == (extension, content_type, 64, 48)


def test_heic_from_a_phone_is_accepted():
    checked = check_photo(upload("IMG_0001.HEIC", heic_bytes(), "image/heic"))
    assert checked.extension == "heic"


def test_type_comes_from_the_bytes_not_the_name():
    assert check_photo(upload("looks-like.jpg", image_bytes("PNG"))).extension == "png"
    with pytest.raises(PhotoRejected, match="not a photo we can read"):
        check_photo(upload("holiday.jpg", b"<html>not an image</html>", "image/jpeg"))


def test_other_image_types_are_refused_by_name():
    with pytest.raises(PhotoRejected, match="GIF images are not accepted"):
        check_photo(upload("anim.gif", image_bytes("GIF")))


def test_empty_file():
    with pytest.raises(PhotoRejected, match="empty"):
        check_photo(upload("empty.jpg", b""))


def test_file_over_the_size_limit(settings):
    settings.MAX_UPLOAD_BYTES = 1000
    with pytest.raises(PhotoRejected, match="the limit is"):
        check_photo(upload("big.jpg", photo_bytes()))


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels: a decompression bomb."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused():
    with pytest.raises(PhotoRejected, match="too many pixels|megapixels"):
        check_photo(upload("bomb.png", _png_declaring(100_000, 100_000), "image/png"))


@pytest.mark.parametrize("size", [(20_000, 1), (31, 400), (4000, 390)])
def test_an_image_too_small_or_too_narrow_to_show_a_garment_is_refused(size):
    with pytest.raises(PhotoRejected, match="too small or too narrow"):
        check_photo(upload("line.png", image_bytes("PNG", size=size), "image/png"))


@pytest.mark.parametrize("size", [(32, 32), (4000, 400), (300, 3000)])
def test_small_panoramic_and_tall_photos_within_the_limits_are_taken(size):
    assert check_photo(upload("photo.png", image_bytes("PNG", size=size), "image/png")).width == size[0]


def test_pixel_limit_is_a_setting(settings):
    settings.MAX_IMAGE_PIXELS = 1000
    with pytest.raises(PhotoRejected, match="megapixels|too many pixels"):
        check_photo(upload("photo.jpg", image_bytes("JPEG", size=(100, 100))))


def test_truncated_jpeg_is_refused():
    data = photo_bytes()
    with pytest.raises(PhotoRejected, match="damaged or incomplete"):
        check_photo(upload("cut.jpg", data[: len(data) // 2]))


def test_truncated_png_is_refused():
    buffer = io.BytesIO()
    Image.effect_noise((300, 300), 60).convert("RGB").save(buffer, "PNG")
    data = buffer.getvalue()
    with pytest.raises(PhotoRejected, match="damaged or incomplete"):
        check_photo(upload("cut.png", data[: len(data) * 2 // 3], "image/png"))


def test_corrupt_bytes_after_a_valid_header_are_refused():
    data = bytearray(photo_bytes())
    data[600:4000] = b"\xff" * 3400
    with pytest.raises(PhotoRejected):
        check_photo(upload("garbled.jpg", bytes(data)))

"""What "today's outfit" says: the mail (HTML with the collage inline, and plain text) and
the webhook's JSON, in the owner's language (the caller sets it)."""

import contextlib
import io
import logging
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from PIL import Image

from inference.images import register_formats
from inference.outfits import SLOTS
from wardrobe import oneclick
from wardrobe.models import OutfitItem

logger = logging.getLogger(__name__)

TILE = 240
COLUMNS = 2
COLLAGE_CID = "todays-outfit"


def _pieces(outfit) -> list[OutfitItem]:
    entries = list(OutfitItem.objects.filter(outfit=outfit).select_related("item", "product"))
    order = {slot: index for index, slot in enumerate(SLOTS)}
    return sorted(entries, key=lambda entry: order.get(entry.slot, len(order)))


def _piece_image(entry: OutfitItem) -> Image.Image | None:
    thing = entry.item or entry.product
    for column in ("cutout", "thumb_medium", "thumb_small", "image", "original"):
        stored = getattr(thing, column, None)
        if not stored:
            continue
        try:
            with default_storage.open(stored.name, "rb") as handle:
                image = Image.open(io.BytesIO(handle.read()))
                image.load()
            return image
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            logger.warning("collage: %s of %s unreadable: %s", column, thing.pk, error)
    return None


def collage(outfit) -> bytes:
    """A JPEG of the outfit's pieces (cut-outs on white where there are some), two to a row."""
    register_formats()
    images = [image for image in (_piece_image(entry) for entry in _pieces(outfit)) if image is not None]
    rows = max(1, -(-len(images) // COLUMNS))
    canvas = Image.new("RGB", (TILE * COLUMNS, TILE * rows), (255, 255, 255))
    for index, image in enumerate(images):
        image.thumbnail((TILE - 16, TILE - 16))
        x = (index % COLUMNS) * TILE + (TILE - image.width) // 2
        y = (index // COLUMNS) * TILE + (TILE - image.height) // 2
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            canvas.paste(image, (x, y), image)
        else:
            canvas.paste(image.convert("RGB"), (x, y))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _language() -> str:
    return "ko" if (get_language() or "en").startswith("ko") else "en"


def _piece_names(outfit) -> list[dict]:
    language = _language()
    names = []
    for entry in _pieces(outfit):
        if entry.item_id:
            term = entry.item.category_term
            colors = [c.get(language) or c["name"] for c in entry.item.colors[:2] if c.get("name")]
            names.append({"slot": entry.slot, "name": (term.ko if language == "ko" else term.en) if term else "",
                          "colors": colors, "from_shop": False})
        else:
            names.append({"slot": entry.slot, "name": entry.product.name, "colors": [], "from_shop": True,
                          "url": entry.product.url})
    return names


def _context(*, owner, outfit, on, weather) -> dict:
    language = _language()
    return {
        "owner": owner, "outfit": outfit, "day": formats.date_format(on, "DATE_FORMAT"),
        "weather": weather, "pieces": _piece_names(outfit),
        "explanation": outfit.explanation.get(language, ""), "hashtags": outfit.hashtags.get(language, []),
        "links": {purpose: oneclick.link(purpose=purpose, outfit=outfit, on=on) for purpose in oneclick.PURPOSES},
        "outfit_url": settings.SITE_URL + reverse("recommendation-detail", args=[outfit.request_id])
        if outfit.request_id else settings.SITE_URL + reverse("recommendations"),
        "settings_url": settings.SITE_URL + reverse("my-data"),
        "collage_cid": COLLAGE_CID,
    }


def message(*, owner, outfit, on, weather=None) -> EmailMultiAlternatives:
    context = _context(owner=owner, outfit=outfit, on=on, weather=weather)
    subject = _("Today's outfit, %(day)s") % {"day": context["day"]}
    mail = EmailMultiAlternatives(subject=subject, body=render_to_string("wardrobe/email/daily_outfit.txt", context),
                                  from_email=settings.DEFAULT_FROM_EMAIL, to=[owner.email],
                                  headers={"Content-Language": _language()})
    mail.attach_alternative(render_to_string("wardrobe/email/daily_outfit.html", context), "text/html")
    # multipart/related around the text and HTML, so the HTML's cid: image shows inline.
    mail.mixed_subtype = "related"
    image = MIMEImage(collage(outfit), "jpeg")
    image.add_header("Content-ID", f"<{COLLAGE_CID}>")
    image.add_header("Content-Disposition", "inline", filename="outfit.jpg")
    mail.attach(image)
    return mail


class MaybeSent(Exception):
    """The mail server stopped answering while it was taking the mail: it may have arrived,
    so it is not sent again (two mails for one day are worse than one missed)."""


def send(*, owner, outfit, on, weather=None) -> None:
    """OSError (the server away, or refusing the login) before anything was handed over: another
    try may send it. MaybeSent once the mail was being handed over."""
    from django.core.mail import get_connection

    mail = message(owner=owner, outfit=outfit, on=on, weather=weather)
    connection = get_connection(fail_silently=False)
    connection.open()  # an OSError here: nothing was handed over
    try:
        connection.send_messages([mail])
    except OSError as error:  # smtplib's errors are OSErrors too
        raise MaybeSent(str(error)) from error
    finally:
        with contextlib.suppress(OSError):
            connection.close()


def webhook_payload(*, owner, outfit, on) -> dict:
    context = _context(owner=owner, outfit=outfit, on=on, weather=None)
    pieces = ", ".join(" ".join(p["colors"][:1] + [p["name"]]).strip() for p in context["pieces"])
    title = _("Today's outfit, %(day)s") % {"day": context["day"]}
    text = f"{title}: {pieces}. {context['explanation']} {' '.join(context['hashtags'])}".strip()
    return {
        "type": "daily_outfit", "date": on.isoformat(), "language": _language(),
        "title": title, "message": text, "text": text, "content": text,  # ntfy, Slack-like, Discord-like
        "outfit": {"explanation": context["explanation"], "hashtags": context["hashtags"], "pieces": context["pieces"]},
        "links": {"wore_it": context["links"]["wear"], "like": context["links"]["like"],
                  "dislike": context["links"]["dislike"], "outfit": context["outfit_url"]},
    }

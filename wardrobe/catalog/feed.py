"""Reading a shop's product feed: CSV with a header, or JSON Lines, with the columns
sku,name,brand,price,currency,url,image (brand may be empty; currency defaults to KRW).
A bad row is reported with its line number and reason; the good rows go on."""

import csv
import io
import json
import re
import urllib.parse
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from wardrobe.catalog.models import CLOSET_CURRENCY

COLUMNS = ("sku", "name", "brand", "price", "currency", "url", "image")
REQUIRED = ("sku", "name", "price", "url", "image")
CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class FeedRow:
    line: int
    sku: str
    name: str
    brand: str
    price: Decimal
    currency: str
    url: str
    image: str


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


def _records(path: Path):
    """(line number, dict) pairs."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    yield number, None
                    continue
                yield number, record if isinstance(record, dict) else None
        return
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in REQUIRED if column not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"the feed's header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})")
    for record in reader:
        yield reader.line_num, record


def _row(number: int, record) -> FeedRow | BadRow:
    if record is None:
        return BadRow(number, "not a JSON object")
    values = {column: str(record.get(column) or "").strip() for column in COLUMNS}
    empty = [column for column in REQUIRED if not values[column]]
    if empty:
        return BadRow(number, f"{', '.join(empty)} missing")
    try:
        price = Decimal(values["price"].replace(",", ""))
    except InvalidOperation:
        return BadRow(number, f"price {values['price']!r} is not a number")
    if price < 0 or not price.is_finite():
        return BadRow(number, f"price {values['price']!r} is not a price")
    currency = (values["currency"] or CLOSET_CURRENCY).upper()
    if not CURRENCY.match(currency):
        return BadRow(number, f"currency {values['currency']!r} is not a three-letter code")
    if urllib.parse.urlsplit(values["url"]).scheme not in ("http", "https"):
        return BadRow(number, f"url {values['url']!r} is not an http(s) address")
    if len(values["sku"]) > 120 or len(values["name"]) > 300:
        return BadRow(number, "sku or name too long (120, 300 characters)")
    return FeedRow(number, values["sku"], values["name"], values["brand"][:120], price, currency, values["url"],
                   values["image"])


def read_feed(path: Path) -> tuple[list[FeedRow], list[BadRow]]:
    rows, bad, seen = [], [], {}
    for number, record in _records(path):
        row = _row(number, record)
        if isinstance(row, BadRow):
            bad.append(row)
        elif row.sku in seen:
            bad.append(BadRow(number, f"sku {row.sku!r} already on line {seen[row.sku]}"))
        else:
            seen[row.sku] = number
            rows.append(row)
    return rows, bad

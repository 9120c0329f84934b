"""Reading a shop's product feed: CSV with a header, or JSON Lines, with the columns
sku,name,brand,price,currency,url,image (brand may be empty; currency defaults to KRW).
A bad row is reported with its line number and reason; the good rows go on."""

import csv
import io
import json
import re
import urllib.parse
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from wardrobe.catalog.models import CLOSET_CURRENCY
from wardrobe.csv_records import records

COLUMNS = ("sku", "name", "brand", "price", "currency", "url", "image")
REQUIRED = ("sku", "name", "price", "url", "image")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_PRICE = Decimal("1e10")  # Product.price: 12 digits, 2 of them decimals


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
    """(line number, dict) pairs; None for a record that cannot be read, or a BadRow saying why."""
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
    for line, record, error in records(reader):
        yield line, record if error is None else BadRow(line, f"not readable as CSV ({error})")


def _row(number: int, record) -> FeedRow | BadRow:
    if record is None:
        return BadRow(number, "not a JSON object")
    if isinstance(record, BadRow):
        return record
    # Only a missing value is empty: a JSON price of 0 is a price.
    values = {column: "" if record.get(column) is None else str(record[column]).strip() for column in COLUMNS}
    empty = [column for column in REQUIRED if not values[column]]
    if empty:
        return BadRow(number, f"{', '.join(empty)} missing")
    try:
        price = Decimal(values["price"].replace(",", ""))
    except InvalidOperation:
        return BadRow(number, f"price {values['price']!r} is not a number")
    if not price.is_finite() or price < 0 or price >= MAX_PRICE:
        return BadRow(number, f"price {values['price']!r} is not a price")
    price = price.quantize(Decimal("0.01"), ROUND_HALF_UP)  # as stored, so an unchanged feed compares equal
    currency = (values["currency"] or CLOSET_CURRENCY).upper()
    if not CURRENCY.match(currency):
        return BadRow(number, f"currency {values['currency']!r} is not a three-letter code")
    if urllib.parse.urlsplit(values["url"]).scheme not in ("http", "https"):
        return BadRow(number, f"url {values['url']!r} is not an http(s) address")
    if len(values["sku"]) > 120 or len(values["name"]) > 300 or max(len(values["url"]), len(values["image"])) > 1000:
        return BadRow(number, "sku, name, url or image too long (120, 300, 1000, 1000 characters)")
    return FeedRow(number, values["sku"], values["name"], values["brand"][:120], price, currency, values["url"],
                   values["image"])


def read_feed(path: Path) -> tuple[list[FeedRow], list[BadRow], set[str] | None]:
    """The good rows, the bad ones, and every sku the feed names (a bad row's too: a row that
    could not be read this time does not mean the shop dropped the product); None instead
    when a line could not be read at all, so nobody can tell which skus the feed holds."""
    rows, bad, seen, listed, unreadable = [], [], {}, set(), False
    for number, record in _records(path):
        if not isinstance(record, dict):
            unreadable = True
        elif record.get("sku") is not None:
            listed.add(str(record["sku"]).strip())
        row = _row(number, record)
        if isinstance(row, BadRow):
            bad.append(row)
        elif row.sku in seen:
            bad.append(BadRow(number, f"sku {row.sku!r} already on line {seen[row.sku]}"))
        else:
            seen[row.sku] = number
            rows.append(row)
    return rows, bad, None if unreadable else listed

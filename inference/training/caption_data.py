"""(photo, caption) pairs in the seed's JSON Lines format: {"image": "<file>", "caption": "<text>"},
the image relative to an images folder (what `export_captions` writes)."""

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CaptionPair:
    image: Path
    caption: str


class CaptionDataError(ValueError):
    pass


def read_pairs(data: Path, images: Path) -> list[CaptionPair]:
    """Every pair of the file; a line that is not a pair, or names a missing photo or one
    outside the folder, stops with its line number (training on a partial file misleads)."""
    pairs, problems = [], []
    root = images.resolve()
    with open(data, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                name, caption = record["image"], " ".join(str(record["caption"]).split())
            except (ValueError, KeyError, TypeError):
                problems.append(f"line {number}: not a JSON object with \"image\" and \"caption\"")
                continue
            path = (root / str(name)).resolve()
            if not path.is_relative_to(root):
                problems.append(f"line {number}: {name} is outside {images}")
            elif not path.is_file():
                problems.append(f"line {number}: no photo {name} in {images}")
            elif not caption:
                problems.append(f"line {number}: the caption is empty")
            else:
                pairs.append(CaptionPair(path, caption))
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise CaptionDataError("; ".join(problems[:10]) + more)
    if not pairs:
        raise CaptionDataError(f"{data} holds no pairs")
    return pairs

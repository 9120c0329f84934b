"""Export and import of a closet: how long "download my closet" and its import take.

    .venv/bin/python scripts/bench/closet_export.py [--items 500]

Each item has a real phone photo as its original (tests/fixtures/garments, cycled), the five
files the pipeline stores, eight predictions and an embedding; one outfit per four items,
worn once. Prints the zip's size, the export's time, the import into a new account (every
photo checked like an upload), and a second import of the same file (nothing new).
"""

import argparse
import io
import tempfile
import time
from pathlib import Path

from _setup import ROOT, django_with_scratch_database


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=500)
    args = parser.parse_args()
    django_with_scratch_database()

    import numpy as np
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image

    from accounts.models import User
    from wardrobe import portability
    from wardrobe.models import Item, Outfit, OutfitItem, Prediction, Wear, media_path

    photos = [path.read_bytes() for path in sorted((ROOT / "tests/fixtures/garments/images").glob("*.jpg"))]

    def small(fmt, size):
        out = io.BytesIO()
        Image.new("RGBA" if fmt == "WEBP" else "RGB", size, (120, 90, 60)).save(out, fmt)
        return out.getvalue()

    artifacts = {"image": small("JPEG", (768, 1024)), "thumb_small": small("JPEG", (240, 320)),
                 "thumb_medium": small("JPEG", (480, 640)), "cutout": small("WEBP", (480, 640)),
                 "mask": small("PNG", (480, 640))}
    owner = User.objects.create_user("bench", "bench@example.com", "bench-pass-123", nickname="Bench")
    newcomer = User.objects.create_user("newcomer", "new@example.com", "bench-pass-123", nickname="New")
    started = time.perf_counter()
    items = []
    for index in range(args.items):
        item = Item(owner=owner, status=Item.Status.READY, category="short_sleeve_top" if index % 2 else "jeans",
                    colors=[{"name": "navy", "hex": "#1e2850", "share": 0.8}], original_name=f"IMG_{index}.jpg",
                    embedding=np.ones(1280, dtype=np.float16).tobytes(), embedding_version="garment@bench",
                    user_edited_fields=["brand"] if index % 3 == 0 else [], brand="Brand" if index % 3 == 0 else "")
        item.original = default_storage.save(media_path(item, "original.jpg"), ContentFile(photos[index % len(photos)]))
        for column, data in artifacts.items():
            setattr(item, column, default_storage.save(media_path(item, f"{column}.bin"), ContentFile(data)))
        item.save()
        items.append(item)
        Prediction.objects.bulk_create([Prediction(item=item, step=step, model_name=step, model_version="1",
                                                   value={"x": 1}, duration_ms=1.0)
                                        for step in ("normalize", "segment", "colors", "phash", "garment",
                                                     "defects", "grade", "caption")])
    for index in range(0, len(items) - 1, 4):
        outfit = Outfit.objects.create(owner=owner, explanation={"en": "x", "ko": "x"})
        OutfitItem.objects.create(outfit=outfit, slot="top", item=items[index + 1])
        OutfitItem.objects.create(outfit=outfit, slot="bottom", item=items[index])
        Wear.objects.create(owner=owner, item=items[index], outfit=outfit, worn_on=f"2026-01-{1 + index % 28:02d}")
    print(f"{args.items} items made in {time.perf_counter() - started:.1f} s")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "closet.zip"
        started = time.perf_counter()
        with open(path, "wb") as out:
            counts = portability.write_archive(owner=owner, out=out)
        export_s = time.perf_counter() - started
        print(f"export: {counts['items']} items, {path.stat().st_size / 1e6:.1f} MB zip, {export_s:.2f} s")
        started = time.perf_counter()
        report = portability.import_archive(owner=newcomer, path=path)
        print(f"import into a new account: {report.created['items']} items, "
              f"{report.created['predictions']} predictions, {report.created['outfits']} outfits, "
              f"{time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        again = portability.import_archive(owner=newcomer, path=path)
        print(f"the same file again: {sum(again.created.values())} rows created, "
              f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()

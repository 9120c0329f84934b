import csv
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Writes reviewed items (categories corrected by an admin or confirmed by their owner) "
            "as images/ + images.csv, the clothing dataset's layout, for "
            "`train_garment_model --with-corrections DIR`.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True)

    def handle(self, *args, **options):
        from wardrobe.selectors import training_labels

        out = Path(options["out"])
        (out / "images").mkdir(parents=True, exist_ok=True)
        written = 0
        with open(out / "images.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["image", "sender_id", "label", "kids", "source"])
            for item, label, source in training_labels():
                with default_storage.open(item.image.name, "rb") as photo:
                    (out / "images" / f"{item.pk}.jpg").write_bytes(photo.read())
                # One sender per owner, so a split by sender never puts one closet on both sides.
                writer.writerow([str(item.pk), f"user-{item.owner_id}", label, "False", source])
                written += 1
        self.stdout.write(f"wrote {written} labelled photos to {out}")

import csv
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Writes reviewed items (categories corrected by an admin or confirmed by their owner) "
            "as images/ + images.csv, the clothing dataset's layout, for "
            "`train_garment_model --with-corrections DIR`; and corrected grades and stain/damage "
            "boxes as condition/ (YOLO layout: images/, labels/, and grades.csv).")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True)

    def handle(self, *args, **options):
        from wardrobe.selectors import condition_labels, training_labels

        out = Path(options["out"])
        (out / "images").mkdir(parents=True, exist_ok=True)
        self.skipped = []
        written = 0
        with open(out / "images.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["image", "sender_id", "label", "kids", "source"])
            for item, label, source in training_labels():
                if not self._write_photo(item, out / "images" / f"{item.pk}.jpg"):
                    continue
                # One sender per owner, so a split by sender never puts one closet on both sides.
                writer.writerow([str(item.pk), f"user-{item.owner_id}", label, "False", source])
                written += 1
        self.stdout.write(f"wrote {written} labelled photos to {out}")
        self.stdout.write(f"wrote {self._condition(out / 'condition', condition_labels())} condition labels "
                          f"to {out / 'condition'}")
        if self.skipped:
            self.stdout.write(f"skipped {len(self.skipped)} whose photo is gone or unreadable: "
                              + ", ".join(self.skipped[:10]) + (" ..." if len(self.skipped) > 10 else ""))

    def _write_photo(self, item, target: Path) -> bool:
        """The processed photo; for a failed item, its upload made a JPEG by the pipeline's own
        first step. False (and noted) when it is gone, e.g. deleted while the export ran."""
        from inference.pipeline import NormalizeStep, Photo, PhotoError

        try:
            with default_storage.open((item.image or item.original).name, "rb") as photo:
                data = photo.read()
            if not item.image:
                normalized = Photo(source=data)
                NormalizeStep().run(normalized)
                data = normalized.artifacts["image"]
            target.write_bytes(data)
        except (OSError, PhotoError) as error:  # gone, or an upload nothing can decode
            self.skipped.append(f"{item.pk} ({type(error).__name__})")
            return False
        return True

    def _condition(self, out: Path, labels) -> int:
        from inference.training.defect_synthesis import CLASSES as classes  # the detector's class order

        for folder in ("images", "labels"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        written = 0
        with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["image", "sender_id", "grade", "boxes_corrected", "source"])
            for item, grade, boxes, source in labels:
                if not self._write_photo(item, out / "images" / f"{item.pk}.jpg"):
                    continue
                if boxes is not None:  # an empty file says: a person looked, nothing is there
                    (out / "labels" / f"{item.pk}.txt").write_text("".join(
                        f"{classes.index(b['type'])} {(b['box'][0] + b['box'][2]) / 2:.6f} "
                        f"{(b['box'][1] + b['box'][3]) / 2:.6f} {b['box'][2] - b['box'][0]:.6f} "
                        f"{b['box'][3] - b['box'][1]:.6f}\n" for b in boxes))
                writer.writerow([str(item.pk), f"user-{item.owner_id}", grade, boxes is not None, source])
                written += 1
        return written

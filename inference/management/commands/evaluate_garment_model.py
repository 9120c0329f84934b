import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Measures the garment model on labelled photos (images/ + images.csv, the clothing "
            "dataset's layout) through the product's pipeline: per-class precision/recall/F1, "
            "the confusion matrix, top-1/top-3 overall and on the 10 main labels.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="folder with images/ and images.csv")
        parser.add_argument("--model-dir", default=settings.GARMENT_MODEL_DIR or None,
                            help="garment model folder (default: the shipped model)")
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")
        parser.add_argument("--batch-size", type=int, default=16)

    def handle(self, *args, **options):
        from inference import pipeline
        from inference.training.data import read_photos
        from inference.training.labels import MAIN_LABELS
        from inference.training.metrics import classification_report, format_report

        data_dir = Path(options["data"])
        if not (data_dir / "images.csv").is_file():
            raise CommandError(f"{data_dir} has no images.csv")
        photos = read_photos(data_dir)
        if not photos:
            raise CommandError("no photo in images.csv has a label the model knows")
        garment = pipeline.GarmentStep(options["model_dir"] or "")
        steps = [pipeline.NormalizeStep(), garment]
        if garment.model.input_mode != "full":
            steps.insert(1, pipeline.SegmentStep(settings.SEGMENTATION_MODEL_PATH))
        classes = garment.model.classes
        targets, rows, failures = [], [], 0
        size = max(1, options["batch_size"])
        for start in range(0, len(photos), size):
            batch = photos[start:start + size]
            for photo, result in zip(batch, pipeline.run_batch([p.path.read_bytes() for p in batch], steps)):
                if not result.ok or photo.target not in classes:
                    failures += 1
                    continue
                probabilities = result.fields["category_probabilities"]
                rows.append(([probabilities[name] for name in classes], photo.label))
                targets.append(classes.index(photo.target))
            self.stderr.write(f"  {min(start + size, len(photos))}/{len(photos)}", ending="\r")
        self.stderr.write("")
        report = classification_report(targets, [r[0] for r in rows], classes,
                                       subset=[label in MAIN_LABELS for _, label in rows])
        report["model_version"] = f"{garment.model_name}@{garment.version}"
        report["skipped"] = failures
        self.stdout.write(format_report(report))
        if failures:
            self.stdout.write(f"{failures} photos skipped (unreadable, or a class the model lacks)")
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))

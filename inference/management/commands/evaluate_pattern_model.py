import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Measures the pattern model on labelled photos through the product's pipeline "
            "(normalize, segment, garment, pattern): accuracy, macro F1, per-class precision, "
            "recall and F1, and the confusion matrix.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="folder with images/")
        parser.add_argument("--labels", required=True, help="CSV with image,pattern (more columns are ignored)")
        parser.add_argument("--model-dir", default=settings.PATTERN_MODEL_DIR or None,
                            help="pattern model folder (default: the shipped model)")
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")
        parser.add_argument("--batch-size", type=int, default=16)

    def handle(self, *args, **options):
        import numpy as np

        from inference import pipeline
        from inference.training.pattern import CLASSES, read_labels, scores

        try:
            photos, missing = read_labels(Path(options["labels"]), Path(options["data"]))
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        if not photos:
            raise CommandError(f"none of the photos in {options['labels']} is in {options['data']}/images")
        pattern = pipeline.PatternStep(options["model_dir"] or "")
        steps = [pipeline.NormalizeStep(), pipeline.SegmentStep(settings.SEGMENTATION_MODEL_PATH),
                 pipeline.GarmentStep(settings.GARMENT_MODEL_DIR), pattern]
        targets, predicted, timings, failures = [], [], [], 0
        size = max(1, options["batch_size"])
        for start in range(0, len(photos), size):
            batch = photos[start:start + size]
            for photo, result in zip(batch, pipeline.run_batch([p.path.read_bytes() for p in batch], steps)):
                if not result.ok or "pattern" not in result.fields:
                    failures += 1
                    continue
                targets.append(CLASSES.index(photo.pattern))
                predicted.append(CLASSES.index(result.fields["pattern"]))
                timings.append(result.timings_ms["pattern"])
            self.stderr.write(f"  {min(start + size, len(photos))}/{len(photos)}", ending="\r")
        self.stderr.write("")
        report = scores(np.array(targets, dtype=int), np.array(predicted, dtype=int))
        report.update(classes=list(CLASSES), model_version=f"{pattern.model_name}@{pattern.version}",
                      pattern_ms_median=round(float(np.median(timings)), 1) if timings else None,
                      skipped=failures + missing)
        self.stdout.write(f"{'pattern':<8}  precision  recall     f1  support")
        for name in CLASSES:
            s = report["per_class"][name]
            self.stdout.write(f"{name:<8}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}")
        self.stdout.write(f"accuracy {report['accuracy']:.4f}  macro F1 {report['macro_f1']:.4f}  "
                          f"(n={report['count']}, {report['model_version']}, "
                          f"pattern step median {report['pattern_ms_median']} ms a photo)")
        self.stdout.write("confusion matrix (rows: true, columns: predicted)")
        self.stdout.write("          " + " ".join(f"{name[:7]:>7}" for name in CLASSES))
        for name, row in zip(CLASSES, report["confusion_matrix"]):
            self.stdout.write(f"{name:<9} " + " ".join(f"{n:>7}" for n in row))
        if report["skipped"]:
            self.stdout.write(f"{report['skipped']} photos skipped (missing, unreadable or without a pattern)")
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))

import json
import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Measures the stain and damage detector on photos in YOLO layout (DIR/images, DIR/labels; "
            "an image without a label file is a clean photo) through the product's pipeline steps "
            "(normalize, defects): "
            "P, R, mAP50, mAP50-95 per class, and the share of stained photos found and of clean photos flagged.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="folder with images/ and labels/")
        parser.add_argument("--model-dir", default=settings.DEFECT_MODEL_DIR or None,
                            help="detector folder (default: the shipped model)")
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")
        parser.add_argument("--batch-size", type=int, default=8)

    def handle(self, *args, **options):
        from inference.training.defects import measure

        images_dir = Path(options["data"]) / "images"
        if not images_dir.is_dir():
            raise CommandError(f"{options['data']} has no images/ folder")
        report = measure(Path(options["model_dir"]) if options["model_dir"] else None, images_dir,
                         batch_size=max(1, options["batch_size"]))
        self.stdout.write(format_report(report))
        if options["json"]:
            self.stdout.write(json.dumps(_finite(report)))


def _finite(value):
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return None if isinstance(value, float) and math.isnan(value) else value


def _cell(value) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def format_report(report: dict) -> str:
    lines = [f"{report['images']} photos: {report['stained_images']} with defects, {report['clean_images']} clean",
             f"{'class':<8} {'truths':>6} {'found':>6} {'P':>6} {'R':>6} {'mAP50':>6} {'50-95':>6}"]
    for name, row in report["per_class"].items():
        lines.append(f"{name:<8} {row['truths']:>6} {row['predictions']:>6} {_cell(row['precision']):>6} "
                     f"{_cell(row['recall']):>6} {_cell(row['map50']):>6} {_cell(row['map50_95']):>6}")
    lines.append(f"{'all':<8} {'':>6} {'':>6} {_cell(report['precision']):>6} {_cell(report['recall']):>6} "
                 f"{_cell(report['map50']):>6} {_cell(report['map50_95']):>6}")
    lines.append(f"photos with defects found: {_cell(report['image_recall'])}; "
                 f"clean photos flagged: {_cell(report['clean_flag_rate'])}")
    return "\n".join(lines)

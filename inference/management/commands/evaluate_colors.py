import csv
import hashlib
import json
import statistics
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

EXTENSIONS = ("", ".jpg", ".jpeg", ".png", ".webp")
METRICS = ("main_agreement", "top2_agreement", "strict_agreement", "count")


def read_labels(path: Path) -> list[dict]:
    """Rows of image, main (the acceptable names, "|"-separated) and, when the file has one,
    split. The second colour is the labeller's record; it is not scored."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"image", "main", "second"} - set(reader.fieldnames or ())
        if missing:
            raise CommandError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
        return [{"image": row["image"].strip(),
                 "main": [name.strip() for name in row["main"].split("|") if name.strip()],
                 "split": (row.get("split") or "").strip()}
                for row in reader if row["image"].strip() and row["main"].strip()]


class CachedSegmenter:
    """The segmenter with its saliency maps kept on disk (exact, keyed by the normalized
    photo's pixels), so evaluating again costs no segmentation (about 0.3 s a photo) and
    gives the answers of a run without the cache."""

    def __init__(self, segmenter, folder: Path):
        from inference.training.data import SaliencyCache

        self.name, self.version = segmenter.name, segmenter.version
        self.cache = SaliencyCache(folder, segmenter, exact=True)

    def predict(self, images):
        from inference.segmenter import postprocess

        return [postprocess(self.cache.saliency(_pixels_key(image), image), image.size) for image in images]


def _pixels_key(image) -> str:
    digest = hashlib.sha1(image.tobytes())
    digest.update(f"{image.mode}{image.size}".encode())
    return digest.hexdigest()


def score(rows: list[dict], predicted: list[list[str]]) -> dict:
    """Agreement of each photo's first named colour (and of its first two) with the acceptable
    main names, and the confusions of the first colour. `strict_agreement` counts only the
    name listed first, for labels that allow several."""
    main = top2 = strict = 0
    confusion: Counter = Counter()
    for row, names in zip(rows, predicted):
        first = names[0] if names else "none"
        main += first in row["main"]
        strict += first == row["main"][0]
        top2 += any(name in row["main"] for name in names[:2])
        # A photo named by one of its acceptable names counts on the diagonal.
        confusion[(first if first in row["main"] else row["main"][0], first)] += 1
    count = len(rows)
    return {"main_agreement": round(main / count, 4) if count else 0.0,
            "top2_agreement": round(top2 / count, 4) if count else 0.0,
            "strict_agreement": round(strict / count, 4) if count else 0.0,
            "count": count, "confusion": confusion}


def format_confusion(confusion: Counter) -> str:
    truths = sorted({truth for truth, _ in confusion})
    lines = [f"{'labelled':<10} {'n':>4} {'agree':>6}  most often named instead"]
    for truth in truths:
        row = {named: n for (t, named), n in confusion.items() if t == truth}
        total = sum(row.values())
        wrong = sorted(((n, named) for named, n in row.items() if named != truth), reverse=True)[:3]
        lines.append(f"{truth:<10} {total:>4} {row.get(truth, 0) / total:>6.2f}  "
                     + ", ".join(f"{named} {n}" for n, named in wrong))
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Measures the colour step on labelled photos through the product's pipeline "
            "(normalize, segment, colors): how often the first colour named is one of the photo's "
            "acceptable main colours, how often one of the first two is, and the confusions.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="folder with images/ (and colors.csv)")
        parser.add_argument("--labels", help="CSV with image,main,second[,split] (default: DATA/colors.csv)")
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")
        parser.add_argument("--batch-size", type=int, default=16)
        parser.add_argument("--cache", help="folder to keep the segmentation masks in between runs "
                                            "(e.g. var/cache/evaluate_colors)")

    def handle(self, *args, **options):
        from inference import colors, pipeline

        data = Path(options["data"])
        labels = Path(options["labels"]) if options["labels"] else data / "colors.csv"
        if not labels.is_file():
            raise CommandError(f"no labels at {labels}")
        rows, paths, missing = [], [], 0
        for row in read_labels(labels):
            path = next((data / "images" / (row["image"] + ext) for ext in EXTENSIONS
                         if (data / "images" / (row["image"] + ext)).is_file()), None)
            if path is None:
                missing += 1
                continue
            rows.append(row)
            paths.append(path)
        if not rows:
            raise CommandError(f"none of the photos in {labels} is in {data / 'images'}")
        segment = pipeline.SegmentStep(settings.SEGMENTATION_MODEL_PATH)
        if options["cache"]:
            segment.model = CachedSegmenter(segment.model, Path(options["cache"]))
        steps = [pipeline.NormalizeStep(), segment, pipeline.ColorsStep()]
        scored, predicted, timings, failures = [], [], [], 0
        size = max(1, options["batch_size"])
        for start in range(0, len(rows), size):
            batch = slice(start, start + size)
            for row, result in zip(rows[batch], pipeline.run_batch([p.read_bytes() for p in paths[batch]], steps)):
                if not result.ok:
                    failures += 1
                    continue
                scored.append(row)
                predicted.append([entry["name"] for entry in result.fields["colors"]])
                timings.append(result.timings_ms["colors"])
            self.stderr.write(f"  {min(start + size, len(rows))}/{len(rows)}", ending="\r")
        self.stderr.write("")
        whole = score(scored, predicted)
        report = {key: whole[key] for key in METRICS}
        report["colors_version"] = colors.VERSION
        report["colors_ms_median"] = round(statistics.median(timings), 1) if timings else None
        report["skipped"] = failures + missing
        splits = sorted({row["split"] for row in scored} - {""})
        if splits:
            report["splits"] = {}
            for name in splits:
                part = score(*zip(*[(r, p) for r, p in zip(scored, predicted) if r["split"] == name]))
                report["splits"][name] = {key: part[key] for key in METRICS}
        self.stdout.write(f"{whole['count']} photos, colours {colors.VERSION}: main colour agrees "
                          f"{whole['main_agreement']:.4f}, within the first two {whole['top2_agreement']:.4f}, "
                          f"with the name listed first {whole['strict_agreement']:.4f}")
        for name, part in report.get("splits", {}).items():
            self.stdout.write(f"  {name}: {part['main_agreement']:.4f} / {part['top2_agreement']:.4f} / "
                              f"{part['strict_agreement']:.4f} ({part['count']} photos)")
        self.stdout.write(format_confusion(whole["confusion"]))
        self.stdout.write(f"colour step median {report['colors_ms_median']} ms a photo")
        if report["skipped"]:
            self.stdout.write(f"{report['skipped']} photos skipped (missing or unreadable)")
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))

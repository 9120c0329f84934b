import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Runs the whole processing pipeline on image files, without touching the database, "
            "and prints what it found: one JSON object per image with --json.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--json", action="store_true", help="one JSON object per image, one per line")
        parser.add_argument("--batch-size", type=int, default=8)
        parser.add_argument("--save-dir", help="also write each image's files (JPEG, thumbnails, cut-out, mask) here")

    def handle(self, *args, **options):
        from inference import pipeline

        paths = [Path(p) for p in options["paths"]]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        size = max(1, options["batch_size"])
        for start in range(0, len(paths), size):
            batch = paths[start:start + size]
            results = pipeline.run_batch([path.read_bytes() for path in batch])
            for path, result in zip(batch, results):
                if options["save_dir"]:
                    _save(Path(options["save_dir"]) / path.stem, result.artifacts)
                if options["json"]:
                    self.stdout.write(json.dumps({"path": str(path), **result.summary()}, ensure_ascii=False))
                else:
                    self.stdout.write(_describe(path, result))


def _save(folder: Path, artifacts: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in artifacts.items():
        extension = {b"\x89PNG": "png", b"RIFF": "webp"}.get(data[:4], "jpg")
        (folder / f"{name}.{extension}").write_bytes(data)


def _describe(path: Path, result) -> str:
    if not result.ok:
        return f"{path}: FAILED {result.error}"
    fields = result.fields
    lines = [f"{path}:"]
    if "category" in fields:
        top = ", ".join(f"{code} {p:.2f}" for code, p in fields["category_top3"])
        lines.append(f"  category  {fields['category']} ({fields['category_confidence']:.2f}); top 3: {top}")
    if "colors" in fields:
        lines.append("  colours   " + ", ".join(f"{c['name']} {c['hex']} {c['share']:.0%}" for c in fields["colors"]))
    if "pattern" in fields:
        lines.append(f"  pattern   {fields['pattern']} ({fields['pattern_confidence']:.2f})")
    if "garment_box" in fields:
        lines.append(f"  garment   box {fields['garment_box']} found={fields['garment_found']}")
    if "phash" in fields:
        lines.append(f"  phash     {fields['phash']}")
    lines.append("  timings   " + ", ".join(f"{step} {ms:.0f} ms" for step, ms in result.timings_ms.items()))
    lines.append("  models    " + ", ".join(f"{step}={version}" for step, version in result.model_versions.items()))
    return "\n".join(lines)

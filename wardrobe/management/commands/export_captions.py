import json
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from wardrobe.selectors import reviewed_captions


class Command(BaseCommand):
    help = ("Writes the captions owners wrote themselves, with their photos, as JSON Lines in the "
            'seed\'s format ({"image": "<file>", "caption": "<text>"}, plus "language"), for fine-tuning.')

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the JSON Lines file to write")
        parser.add_argument("--images", required=True, help="folder for the photos")
        parser.add_argument("--language", choices=("ko", "en", "all"), default="all")

    def handle(self, *args, **options):
        images = Path(options["images"])
        images.mkdir(parents=True, exist_ok=True)
        languages = ("ko", "en") if options["language"] == "all" else (options["language"],)
        written = 0
        with open(options["out"], "w", encoding="utf-8") as out:
            for item, language, caption in reviewed_captions(languages=languages):
                name = f"{item.pk}.jpg"
                if not (images / name).exists():
                    with default_storage.open(item.image.name, "rb") as photo:
                        (images / name).write_bytes(photo.read())
                out.write(json.dumps({"image": name, "caption": caption, "language": language},
                                     ensure_ascii=False) + "\n")
                written += 1
        self.stdout.write(f"wrote {written} captions to {options['out']}")

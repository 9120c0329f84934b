import csv
import json
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Product search on photos of known products: DIR/images and DIR/images.csv with columns "
            "image (without extension) and group_id (photos of one product share it). Every photo goes "
            "through the pipeline; for each, is another photo of its group among the top 1 / top 5 that "
            "\"similar in the shop\" ranks (same function, the other photos as the catalog)?")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True)
        parser.add_argument("--batch-size", type=int, default=16)
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")

    def handle(self, *args, **options):
        from inference import pipeline, taxonomy
        from wardrobe.catalog.selectors import rank

        data = Path(options["data"])
        if not (data / "images.csv").is_file():
            raise CommandError(f"{data} has no images.csv")
        with open(data / "images.csv", newline="", encoding="utf-8") as handle:
            rows = [(row["image"], row["group_id"]) for row in csv.DictReader(handle)]
        photos = []
        for image, group_id in rows:
            found = next((path for path in (data / "images").glob(f"{image}.*")), None)
            if found:
                photos.append((found, group_id))
        vectors, groups, product_groups, skipped = [], [], [], len(rows) - len(photos)
        size = max(1, options["batch_size"])
        for start in range(0, len(photos), size):
            batch = photos[start:start + size]
            for (_, group_id), result in zip(batch, pipeline.run_batch([path.read_bytes() for path, _ in batch])):
                if not result.ok or result.embedding is None:
                    skipped += 1
                    continue
                vectors.append(result.embedding.vector)
                groups.append(group_id)
                category = result.fields.get("category", "")
                product_groups.append(taxonomy.group_of(category) if category in taxonomy.CATEGORY_BY_CODE else "")
            self.stderr.write(f"  {min(start + size, len(photos))}/{len(photos)}", ending="\r")
        self.stderr.write("")
        matrix = np.array(vectors, dtype=np.float32)
        shop_groups = np.array(product_groups)
        at_1 = at_5 = queries = 0
        for index, vector in enumerate(vectors):
            if sum(1 for group_id in groups if group_id == groups[index]) < 2:
                continue  # nothing of its own to find
            exclude = np.zeros(len(vectors), dtype=bool)
            exclude[index] = True
            ranked = [row for row, _ in rank(matrix, shop_groups, vector, group=shop_groups[index], limit=5,
                                             exclude=exclude)]
            hits = [groups[row] == groups[index] for row in ranked]
            at_1 += bool(hits[:1] and hits[0])
            at_5 += any(hits)
            queries += 1
        report = {"recall_at_1": round(at_1 / queries, 4) if queries else 0.0,
                  "recall_at_5": round(at_5 / queries, 4) if queries else 0.0,
                  "queries": queries, "photos": len(vectors), "skipped": skipped}
        self.stdout.write(f"{queries} queries over {len(vectors)} photos: recall@1 {report['recall_at_1']:.4f}, "
                          f"recall@5 {report['recall_at_5']:.4f}")
        if options["json"]:
            self.stdout.write(json.dumps(report))

from datetime import timedelta

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Lists stored files no row points to (items, shop products, shop searches, exports, imports), "
            "on local disk or S3; with --delete, removes them. Files younger than --min-age-minutes are "
            "left alone (a worker stores a file a moment before its row names it).")

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove the files found")
        parser.add_argument("--min-age-minutes", type=float, default=60.0)

    def handle(self, *args, **options):
        from wardrobe import storage_files

        found = storage_files.orphans(min_age=timedelta(minutes=options["min_age_minutes"]))
        for name in found:
            self.stdout.write(name)
        if options["delete"]:
            storage_files.delete_files(found)
            self.stdout.write(f"{len(found)} orphan files deleted")
        else:
            self.stdout.write(f"{len(found)} orphan files (run with --delete to remove them)")

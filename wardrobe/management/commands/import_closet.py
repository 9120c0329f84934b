import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Restores a closet into an account: an export's zip (photos, fields, the owner's edits, "
            "predictions with their model versions, outfits, wear log; the models are not run again "
            "unless --rerun-models), a zip with a CSV and its photos, or a CSV file with its photos in "
            "a folder (--photos, default: the CSV's folder). Columns: image,category,colors,brand,size,"
            "price,purchase_date,notes. Importing the same file twice creates nothing new.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="FILE.zip or FILE.csv")
        parser.add_argument("--user", required=True, help="the account's username")
        parser.add_argument("--photos", help="the CSV's photo folder (default: the CSV's own folder)")
        parser.add_argument("--rerun-models", action="store_true", help="analyse every photo again")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        from wardrobe import portability, spreadsheet

        owner = get_user_model().objects.filter(username=options["user"]).first()
        if owner is None:
            raise CommandError(f"no account {options['user']!r}")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file at {path}")
        try:
            if path.suffix.lower() == ".csv":
                photos = spreadsheet.FolderPhotos(options["photos"] or path.parent)
                report = spreadsheet.import_rows(owner=owner, data=path.read_bytes(), photos=photos)
            else:
                report = portability.import_archive(owner=owner, path=path, rerun_models=options["rerun_models"])
        except portability.ImportRefused as refusal:
            raise CommandError(f"{path}: refused, nothing changed: {refusal.message}") from refusal
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
            return
        created = ", ".join(f"{count} {name}" for name, count in report.created.items()) or "nothing"
        self.stdout.write(f"{path}: created {created}")
        if report.skipped:
            self.stdout.write("  already there: " + ", ".join(f"{c} {n}" for n, c in report.skipped.items()))
        if report.queued:
            self.stdout.write(f"  {report.queued} photos queued for the models")
        for row in report.bad_rows:
            self.stdout.write(f"  line {row['line']}: {row['reason']}")
        for warning in report.warnings:
            self.stdout.write(f"  {warning}")

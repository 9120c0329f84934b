from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Writes a person's closet as a zip: closet.json (docs/export-format.md), items.csv and "
            "every photo and cut-out; the same archive as \"download my closet\" on My page.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="the account's username")
        parser.add_argument("--out", required=True, help="the zip file to write")

    def handle(self, *args, **options):
        from wardrobe.portability import write_archive

        owner = get_user_model().objects.filter(username=options["user"]).first()
        if owner is None:
            raise CommandError(f"no account {options['user']!r}")
        out = Path(options["out"])
        partial = out.with_name(out.name + ".partial")
        with open(partial, "wb") as handle:
            counts = write_archive(owner=owner, out=handle)
        partial.replace(out)  # no half-written zip under the asked name
        self.stdout.write(f"{out}: {counts['items']} items, {counts['outfits']} outfits, "
                          f"{out.stat().st_size} bytes")
        if counts["left_out"]:
            self.stdout.write(f"  {counts['left_out']} items left out: their original photo is missing from storage")

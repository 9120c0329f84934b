from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Imports a shop's product feed (CSV with a header, or JSON Lines) with the columns "
            "sku,name,brand,price,currency,url,image (image: a path relative to the feed, or an http(s) URL). "
            "Idempotent by sku; photos repeating another product are skipped; bad rows are reported with "
            "their line and the good ones imported; new photos are queued for the models.")

    def add_arguments(self, parser):
        parser.add_argument("feed")
        parser.add_argument("--shop", help="the shop's name (default: the feed file's name)")
        parser.add_argument("--partial", action="store_true",
                            help="the feed lists changes only: the shop's products it does not name stay "
                                 "(without it they are withdrawn, no longer suggested)")

    def handle(self, *args, **options):
        from wardrobe.catalog.services import import_feed

        path = Path(options["feed"])
        if not path.is_file():
            raise CommandError(f"no feed at {path}")
        shop = options["shop"] or path.stem

        def progress(done, total):
            self.stderr.write(f"  {done}/{total}", ending="\r" if done < total else "\n")

        try:
            report = import_feed(path=path, shop=shop, progress=progress, partial=options["partial"])
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: {error}") from error
        self.stdout.write(f"{shop}: {len(report.created)} new, {len(report.updated)} updated, "
                          f"{len(report.unchanged)} unchanged, {len(report.duplicates)} duplicates skipped, "
                          f"{len(report.bad)} bad rows, {len(report.withdrawn)} withdrawn (not in the feed)")
        for line, sku, other in report.duplicates:
            self.stdout.write(f"  line {line}: {sku} has the same photo as {other}; skipped")
        for bad in report.bad:
            self.stdout.write(f"  line {bad.line}: {bad.reason}")
        if report.withdrawal_skipped:
            self.stdout.write("Some lines could not be read, so no product was withdrawn; mend them and import again.")
        if report.queue_unavailable:
            self.stdout.write("The task queue is away: the photos are analysed when it is back.")

import json
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inference.training import training_packages_message
from inference.training.garment import TrainConfig, add_recipe_arguments, recipe_flags, recipe_options


class Command(BaseCommand):
    help = ("Sender-grouped k-fold cross-validation of the garment model's training recipe: trains "
            "one model per fold (resuming folds already trained), measures each through the product's "
            "classifier on its held-out senders, with and without mirrored views, and prints the mean "
            "and spread over the folds.")

    def add_arguments(self, parser):
        parser.add_argument("--data", default=settings.TRAINING_DATA_DIR,
                            help="folder with images/ and images.csv (the clothing dataset's layout)")
        parser.add_argument("--out", default=str(settings.VAR_DIR / "garment-cv"), help="one folder per fold goes here")
        parser.add_argument("--cache-dir", default=str(settings.VAR_DIR / "cache"), help="garment masks are cached here")
        parser.add_argument("--folds", type=int, default=3)
        add_recipe_arguments(parser)
        parser.add_argument("--only-folds", nargs="+", type=int, metavar="FOLD",
                            help="train and measure just these folds (0-based), e.g. to try a recipe for less")
        parser.add_argument("--against", metavar="CV_JSON",
                            help="a recorded cross-validation of the same folds (cv.json) to compare with, fold by "
                                 "fold; written to OUT/trial.json")
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")

    def handle(self, *args, **options):
        from inference.training import garment_cv

        if options["folds"] < 2:
            raise CommandError("--folds must be at least 2")
        data_dir = Path(options["data"])
        if not (data_dir / "images.csv").is_file():
            raise CommandError(f"{data_dir} has no images.csv")
        only = sorted(set(options["only_folds"])) if options["only_folds"] else None
        if only and not all(0 <= fold < options["folds"] for fold in only):
            raise CommandError(f"--only-folds must be between 0 and {options['folds'] - 1}")
        if only and not options["against"]:
            raise CommandError("--only-folds needs --against: part of the folds says something only beside "
                               "the same folds of another recipe")
        baseline = json.loads(Path(options["against"]).read_text()) if options["against"] else None
        if baseline and (baseline.get("folds") != options["folds"]
                         or re.search(r"--seed (\d+)", baseline["command"]).group(1) != str(options["seed"])):
            raise CommandError(f"{options['against']} holds other folds (its command: {baseline['command']})")
        if message := training_packages_message():
            raise CommandError(message)
        out_dir = Path(options["out"])
        config = TrainConfig(
            data_dir=data_dir, out_dir=out_dir, cache_dir=Path(options["cache_dir"]),
            **recipe_options(options), pretrained_weights=settings.GARMENT_PRETRAINED_WEIGHTS)
        command = " ".join(["python manage.py cross_validate_garment_model", f"--folds {options['folds']}",
                            *recipe_flags(options)])
        if only:
            command += " --only-folds " + " ".join(map(str, only))
        log = lambda line: self.stdout.write(line) or self.stdout.flush()  # noqa: E731
        garment_cv.run_folds(config, folds=options["folds"], only=only, log=log, command=command)
        if baseline:
            folds = only or list(range(options["folds"]))
            trial = {"command": command, **garment_cv.compare(garment_cv.load_outputs(out_dir, folds), folds, baseline)}
            (out_dir / "trial.json").write_text(json.dumps(trial, indent=1) + "\n")
            for row in trial["per_fold"]:
                self.stdout.write(f"fold {row['fold']}: main-10 top-1 " + ", ".join(
                    f"{variant} {row[variant]['baseline']:.4f} -> {row[variant]['trial']:.4f}"
                    for variant in garment_cv.VARIANTS))
            self.stdout.write(f"wrote {out_dir / 'trial.json'}")
            if only:
                if options["json"]:
                    self.stdout.write(json.dumps(trial))
                return
        summary = {"command": command, **garment_cv.summarise(garment_cv.load_outputs(out_dir, options["folds"]))}
        (out_dir / "cv.json").write_text(json.dumps(summary, indent=1) + "\n")
        for variant, figures in summary["variants"].items():
            self.stdout.write(f"{variant}: " + ", ".join(
                f"{name} {figures['mean'][name]:.4f} ± {figures['std'][name]:.4f}" for name in garment_cv.REPORTED))
        self.stdout.write(f"wrote {out_dir / 'cv.json'}")
        if options["json"]:
            self.stdout.write(json.dumps({variant: {**figures["mean"], "std": figures["std"]}
                                          for variant, figures in summary["variants"].items()}))

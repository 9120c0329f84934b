import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inference.pattern import DEFAULT_WEIGHTS_DIR

DEFAULT_LABELS = Path(settings.BASE_DIR) / "data" / "patterns" / "patterns.csv"


class Command(BaseCommand):
    help = ("Fits the pattern model (softmax regression over the garment model's embedding and "
            "texture measures of the garment) on labelled photos, choosing its inputs and "
            "regularisation by sender-grouped cross-validation, and writes weights and model card.")

    def add_arguments(self, parser):
        parser.add_argument("--data", default=settings.TRAINING_DATA_DIR,
                            help="folder with images/ (default: the shared clothing dataset)")
        parser.add_argument("--labels", default=str(DEFAULT_LABELS),
                            help="CSV with image,pattern[,sender_id] (default: data/patterns/patterns.csv)")
        parser.add_argument("--out", default=str(DEFAULT_WEIGHTS_DIR), help="where the model files go")
        parser.add_argument("--cache-dir", default=str(settings.VAR_DIR / "cache" / "pattern-features"),
                            help="where each photo's features are kept between runs ('' for none)")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        from inference import pipeline
        from inference.training.pattern import train

        labels, data_dir = Path(options["labels"]), Path(options["data"])
        if not labels.is_file():
            raise CommandError(f"no labels at {labels}")
        if not (data_dir / "images").is_dir():
            raise CommandError(f"{data_dir} has no images/")
        try:
            metadata = train(
                labels=labels, data_dir=data_dir, out_dir=Path(options["out"]),
                cache_dir=Path(options["cache_dir"]) if options["cache_dir"] else None,
                folds=options["folds"], seed=options["seed"],
                segment=pipeline.SegmentStep(settings.SEGMENTATION_MODEL_PATH),
                garment=pipeline.GarmentStep(settings.GARMENT_MODEL_DIR),
                command="python manage.py " + " ".join(sys.argv[1:]), log=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        cv = metadata["cross_validation"]
        self.stdout.write(f"cross-validation: accuracy {cv['accuracy']['mean']:.3f} ± {cv['accuracy']['sd']:.3f}, "
                          f"macro F1 {cv['macro_f1']['mean']:.3f} ± {cv['macro_f1']['sd']:.3f}")
        self.stdout.write(f"model written to {options['out']}")

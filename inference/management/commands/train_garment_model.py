import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inference.garment import DEFAULT_WEIGHTS_DIR
from inference.garment_view import INPUT_MODES
from inference.training import training_packages_message
from inference.training.garment import TrainConfig, add_recipe_arguments, recipe_flags, recipe_options


class Command(BaseCommand):
    help = ("Fine-tunes EfficientNet-Lite0 on the clothing photos and writes the garment model "
            "(ONNX, metadata, model card) that the worker serves.")

    def add_arguments(self, parser):
        parser.add_argument("--data", default=settings.TRAINING_DATA_DIR,
                            help="folder with images/ and images.csv (default: the shared clothing dataset)")
        parser.add_argument("--with-corrections", action="append", default=[], metavar="DIR",
                            help="also train on reviewed items written by export_training_data (repeatable)")
        parser.add_argument("--out", default=str(DEFAULT_WEIGHTS_DIR), help="where the model files go")
        parser.add_argument("--cache-dir", default=str(settings.VAR_DIR / "cache"),
                            help="where garment masks of the training photos are cached")
        parser.add_argument("--input-mode", choices=INPUT_MODES, default="full+cutout",
                            help="what the model sees: the full photo, the garment's box, or its cut-out")
        add_recipe_arguments(parser)
        parser.add_argument("--val-share", type=float, default=0.2)
        parser.add_argument("--card-only", action="store_true",
                            help="rewrite OUT/MODEL_CARD.md from the model's recorded metadata, without training")
        parser.add_argument("--compare-input-modes", nargs="*", choices=INPUT_MODES, metavar="MODE",
                            help="train once per input mode (all of them if none is named; use a short "
                                 "--epochs), record the validation figures in OUT/input_modes.json for "
                                 "the model card, and stop")

    def handle(self, *args, **options):
        from inference.training.model_card import write_model_card

        out_dir = Path(options["out"])
        if options["card_only"]:  # rewrites the card from the recorded metadata: no photos needed
            metadata = json.loads((out_dir / "metadata.json").read_text())
            self.stdout.write(f"model card: {write_model_card(out_dir, metadata, command=metadata['command'])}")
            return
        if message := training_packages_message():
            raise CommandError(message)
        from inference.training.garment import compare_input_modes, train

        data_dir = Path(options["data"])
        if not (data_dir / "images.csv").is_file():
            raise CommandError(f"{data_dir} has no images.csv")
        for folder in options["with_corrections"]:
            if not (Path(folder) / "images.csv").is_file():
                raise CommandError(f"{folder} has no images.csv")
        config = TrainConfig(
            data_dir=data_dir, out_dir=out_dir, cache_dir=Path(options["cache_dir"]),
            extra_dirs=[Path(folder) for folder in options["with_corrections"]],
            input_mode=options["input_mode"], **recipe_options(options), val_share=options["val_share"],
            pretrained_weights=settings.GARMENT_PRETRAINED_WEIGHTS,
        )
        log = lambda line: self.stdout.write(line) or self.stdout.flush()  # noqa: E731
        if options["compare_input_modes"] is not None:
            modes = options["compare_input_modes"] or list(INPUT_MODES)
            path = compare_input_modes(config, modes=modes, command=_command_line(options, compare=modes), log=log)
            self.stdout.write(f"comparison: {path}")
            return
        metadata = train(config, log=log, command=_command_line(options))
        path = write_model_card(config.out_dir, metadata, command=metadata["command"])
        self.stdout.write(f"model card: {path}")


def _command_line(options, compare=()) -> str:
    parts = ["python manage.py train_garment_model"] + (["--compare-input-modes", *compare] if compare else [])
    if not compare:
        parts.append(f"--input-mode {options['input_mode']}")
    parts += [*recipe_flags(options), f"--val-share {options['val_share']}"]
    for folder in options["with_corrections"]:
        parts.append(f"--with-corrections {folder}")
    return " ".join(parts)

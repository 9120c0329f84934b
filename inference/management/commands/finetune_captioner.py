from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inference.training import training_packages_message

PACKAGES = ("torch", "transformers", "accelerate")
BASE_MODEL = "Salesforce/blip-image-captioning-base"


class Command(BaseCommand):
    help = ("Fine-tunes a BLIP captioner on (photo, caption) pairs in JSON Lines "
            '({"image": "<file>", "caption": "<text>"}, as export_captions writes) with the Hugging Face '
            "Trainer: validation loss per epoch on photos kept out of training, the best epoch kept, "
            "early stopping. Point CAPTION_MODEL at --out to use it.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="JSON Lines file of pairs")
        parser.add_argument("--images", required=True, help="folder the pairs' image names are relative to")
        parser.add_argument("--out", required=True, help="folder for the fine-tuned model")
        parser.add_argument("--base", default=settings.CAPTION_MODEL or BASE_MODEL,
                            help=f"hub id or folder to start from (default: CAPTION_MODEL, else {BASE_MODEL})")
        parser.add_argument("--epochs", type=int, default=5)
        parser.add_argument("--batch-size", type=int, default=8)
        parser.add_argument("--learning-rate", type=float, default=5e-5)
        parser.add_argument("--patience", type=int, default=1,
                            help="epochs without a better validation loss before stopping")
        parser.add_argument("--val-fraction", type=float, default=0.15)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        if message := training_packages_message(PACKAGES):
            raise CommandError(message)
        from inference.training.caption_data import CaptionDataError, read_pairs
        from inference.training.captioner import FinetuneConfig, finetune

        try:
            pairs = read_pairs(Path(options["data"]), Path(options["images"]))
        except (OSError, CaptionDataError) as error:
            raise CommandError(str(error)) from error
        config = FinetuneConfig(
            base_model=options["base"], out_dir=Path(options["out"]), epochs=options["epochs"],
            batch_size=options["batch_size"], learning_rate=options["learning_rate"],
            patience=options["patience"], val_fraction=options["val_fraction"], seed=options["seed"])
        command = "python manage.py finetune_captioner " + " ".join(
            f"--{name.replace('_', '-')} {options[name]}"
            for name in ("data", "images", "out", "base", "epochs", "batch_size", "learning_rate", "patience",
                         "val_fraction", "seed"))
        log = lambda line: self.stdout.write(line) or self.stdout.flush()  # noqa: E731
        try:
            report = finetune(config, pairs, log=log, command=command)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"best epoch {report['best_epoch']} (validation loss {report['best_validation_loss']}), "
                          f"saved to {config.out_dir}")

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inference.defects import DEFAULT_WEIGHTS_DIR
from inference.training import training_packages_message

PACKAGES = ("torch", "torchvision", "ultralytics", "onnx")
# The recipe's options in the order the recorded command lists them, each with the fields it
# sets: of the data set's config, of the training config (--image-size and --seed set both).
RECIPE = (
    ("architecture", None, "architecture"), ("train_photos", "train_photos", None),
    ("val_photos", "val_photos", None), ("image_size", "serve_size", "image_size"), ("tile_size", "tile_size", None),
    ("epochs", None, "epochs"), ("batch_size", None, "batch_size"), ("dirty_marks_repeats", "dirty_marks_repeats", None),
    ("finetune_epochs", None, "finetune_epochs"), ("finetune_learning_rate", None, "finetune_learning_rate"),
    ("finetune_folds", "finetune_folds", None), ("pasted_marks_share", "pasted_marks_share", None),
    ("seed", "seed", "seed"),
)


class Command(BaseCommand):
    help = ("Generates the defect data set (synthetic stains and damage on the clothing photos, plus "
            "the dirty-mark photos), trains the YOLO detector with ultralytics, exports it to ONNX "
            "and writes its metadata and model card.")

    def add_arguments(self, parser):
        # No torch behind this import: the packages are checked when the command runs.
        from inference.training.defects import ARCHITECTURES

        parser.add_argument("--data", default=settings.TRAINING_DATA_DIR, help="the clothing photos (images.csv)")
        parser.add_argument("--dirty-marks", default=settings.DIRTY_MARKS_DATA_DIR,
                            help="the dirty-mark photos in YOLO layout (train/images, train/labels); '' for none")
        parser.add_argument("--out", default=str(DEFAULT_WEIGHTS_DIR))
        parser.add_argument("--cache-dir", default=str(settings.VAR_DIR / "cache" / "training"))
        parser.add_argument("--architecture", default=ARCHITECTURES[0], choices=ARCHITECTURES,
                            help="YOLOv8n's neck and head on the ImageNet-trained EfficientNet-Lite0, or "
                                 "ultralytics' yolov8n from random weights")
        parser.add_argument("--train-photos", type=int, default=800)
        parser.add_argument("--val-photos", type=int, default=300)
        parser.add_argument("--image-size", type=int, default=512, help="the detector's input when served")
        parser.add_argument("--tile-size", type=int, default=352,
                            help="training crops, cut from the photos at the serving scale")
        parser.add_argument("--epochs", type=int, default=8)
        parser.add_argument("--batch-size", type=int, default=16)
        parser.add_argument("--dirty-marks-repeats", type=int, default=8,
                            help="times each fine-tuning dirty-mark photo appears in an epoch")
        parser.add_argument("--finetune-epochs", type=int, default=0,
                            help="a second stage on the dirty-mark photos alone (with as many main training tiles), "
                                 "at most this many epochs, chosen by folds of those photos; 0: they join the main "
                                 "stage")
        parser.add_argument("--finetune-learning-rate", type=float, default=0.002)
        parser.add_argument("--finetune-folds", type=int, default=2,
                            help="folds (by source photo) to choose the fine-tuning epochs by; 1: none, "
                                 "train for --finetune-epochs")
        parser.add_argument("--pasted-marks-share", type=float, default=0.0,
                            help="the share of stained training photos that also get real dirt marks pasted in")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        if message := training_packages_message(PACKAGES):
            raise CommandError(message)
        from inference.training.defect_data import DefectDataConfig
        from inference.training.defect_model_card import write_model_card
        from inference.training.defects import DefectTrainConfig, train

        data_dir = Path(options["data"])
        if not (data_dir / "images.csv").is_file():
            raise CommandError(f"{data_dir} has no images.csv")
        dirty = Path(options["dirty_marks"]) if options["dirty_marks"] else None
        if dirty and not (dirty / "train" / "images").is_dir():
            raise CommandError(f"{dirty} has no train/images")
        if options["finetune_epochs"] and not dirty:
            raise CommandError("--finetune-epochs needs the dirty-mark photos")
        cache_dir = Path(options["cache_dir"])
        data_fields = {field: options[name] for name, field, _ in RECIPE if field}
        train_fields = {field: options[name] for name, _, field in RECIPE if field}
        config = DefectTrainConfig(
            data=DefectDataConfig(clothing_dir=data_dir, dirty_marks_dir=dirty, out_dir=cache_dir / "defect-data",
                                  cache_dir=cache_dir, **data_fields),
            out_dir=Path(options["out"]), **train_fields,
        )
        command = "python manage.py train_defect_model " + " ".join(
            f"--{name.replace('_', '-')} {options[name]}" for name, _, _ in RECIPE)

        def log(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        metadata = train(config, log=log, command=command)
        self.stdout.write(f"model card: {write_model_card(config.out_dir, metadata)}")

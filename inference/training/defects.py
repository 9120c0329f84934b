"""Training the stain and damage detector: an ultralytics YOLO detector (by default YOLOv8n's
neck and head on the garment model's ImageNet-trained EfficientNet-Lite0; no pretrained
detector can be downloaded here), on the data of defect_data.build, exported to ONNX for
inference/defects.py, and measured through the product's own detector code."""

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from inference.training.defect_data import DefectDataConfig, build
from inference.training.defect_model_card import contact_sheet
from inference.training.defect_synthesis import CLASSES

# yolov8n: ultralytics' own, from random weights (it learnt nothing in 10 CPU epochs, README).
ARCHITECTURES = ("efficientnet-lite0", "yolov8n")


@dataclass(frozen=True)
class DefectTrainConfig:
    data: DefectDataConfig
    out_dir: Path
    architecture: str = ARCHITECTURES[0]
    frozen_blocks: int = 3  # efficientnet-lite0: stem and blocks at 1/2 and 1/4 scale
    image_size: int = 512  # served at; trained on tiles of data.tile_size at that scale
    epochs: int = 8
    batch_size: int = 16
    # A short run on a CPU: little warm-up, mosaic (four photos a sample, more boxes a step)
    # until the last epochs, SGD at ultralytics' usual rate (AdamW at 0.002 tied with it in a
    # 3-epoch trial); validation only at the end.
    warmup_epochs: float = 1.0
    close_mosaic: int = 3
    optimizer: str = "SGD"
    learning_rate: float = 0.01
    seed: int = 0
    confidence_threshold: float = 0.25
    iou_threshold: float = 0.5
    # A second stage on the real dirty-mark photos (with as many main training tiles) after
    # the main one, which then sees none of them: at most this many epochs, the count chosen
    # by the folds of data.finetune_folds. 0: the dirty marks join the main stage (runs 3-5).
    # A constant rate, so that epoch k of a longer run is what a k-epoch run would give.
    finetune_epochs: int = 0
    finetune_learning_rate: float = 0.002

    def __post_init__(self):
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}")
        if self.finetune_epochs and not self.data.dirty_marks_dir:
            raise ValueError("a fine-tuning stage needs the dirty-mark photos")
        if self.finetune_epochs and self.data.pasted_marks_share:
            # The main stage would have seen every fold's marks, pasted: the folds would not measure.
            raise ValueError("pasted marks and a fine-tuning stage do not combine")
        if self.data.serve_size != self.image_size:
            raise ValueError("the training tiles must be cut at the serving scale (data.serve_size == image_size)")

    @property
    def train_size(self) -> int:
        return min(self.data.tile_size, self.image_size)


def _model_file(config: DefectTrainConfig, runs: Path) -> str:
    if config.architecture == "yolov8n":
        return "yolov8n.yaml"
    import yaml

    from inference.training.defect_backbone import model_yaml, register

    register()  # the trainer builds the model again from the yaml
    runs.mkdir(parents=True, exist_ok=True)
    path = runs / "defects-efficientnet-lite0.yaml"
    path.write_text(yaml.safe_dump(model_yaml(len(CLASSES), frozen_blocks=config.frozen_blocks), sort_keys=False))
    return str(path)


def _device() -> str:
    import torch

    return "0" if torch.cuda.is_available() else "cpu"


def train(config: DefectTrainConfig, *, log: Callable[[str], None], command: str) -> dict:
    # Everything is built here from the yaml and local data: ultralytics need not look online.
    os.environ.setdefault("YOLO_OFFLINE", "1")
    import torch

    started = time.monotonic()
    log("building the data set (synthetic defects on the clothing photos, dirty-mark photos)")
    counts = build(config.data, finetune=config.finetune_epochs > 0, log=log)
    log(f"data: {json.dumps(counts)}")
    torch.manual_seed(config.seed)
    runs = (config.data.cache_dir / "defect-runs").resolve()  # ultralytics puts a relative one under runs/detect
    best = _fit(_model_file(config, runs), config, data_dir=config.data.out_dir, runs=runs, name="defects")
    finetune = {}
    if config.finetune_epochs:
        epochs, folds = config.finetune_epochs, []
        if config.data.finetune_folds > 1:
            epochs, folds = choose_finetune_epochs(config, best, runs=runs, log=log)
        log(f"fine-tuning on all the dirty-mark photos for {epochs} epochs")
        if epochs:
            best = _fit(str(best), config, data_dir=config.data.out_dir / "finetune", runs=runs, name="finetune",
                        finetune_epochs=epochs)
        finetune = {"epochs": epochs, "folds": folds}
    config.out_dir.mkdir(parents=True, exist_ok=True)
    export(best, config.out_dir, image_size=config.image_size)
    contact_sheet(config.data.out_dir / "images" / "train", config.out_dir / "contact_sheet.jpg")
    metadata = {
        **_detector_metadata(config, config.confidence_threshold),
        "architecture": config.architecture, "command": command, "data": counts,
        "config": {**{k: v for k, v in asdict(config).items() if k not in ("data", "out_dir")},
                   "data": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config.data).items()}},
        **({"finetune": finetune} if finetune else {}),
        "training_minutes": round((time.monotonic() - started) / 60, 1),
    }
    return finish(config, metadata, log=log, started=started)


def _detector_metadata(config: DefectTrainConfig, threshold: float) -> dict:
    """What inference/defects.py reads from metadata.json."""
    return {"classes": list(CLASSES), "image_size": config.image_size, "confidence_threshold": threshold,
            "iou_threshold": config.iou_threshold}


def _validation_threshold(config: DefectTrainConfig, model_dir: Path) -> tuple[float, list[dict]]:
    """The confidence threshold the clean validation photos give the detector in model_dir,
    and the validation photos' truths and detections at the lowest one. One pass: the boxes
    at or above a higher threshold are those kept at it (NMS only drops a box for a stronger one)."""
    images = collect(model_dir, config.data.out_dir / "images" / "val", threshold=THRESHOLD_GRID[0])
    return choose_threshold(images, floor=config.confidence_threshold), images


def _fit(start: str, config: DefectTrainConfig, *, data_dir: Path, runs: Path, name: str,
         finetune_epochs: int = 0, every_epoch: bool = False) -> Path:
    """One ultralytics training run from a model yaml (the main stage) or from a checkpoint
    (fine-tuning, `finetune_epochs`); the checkpoint it ends with. `every_epoch` keeps
    weights/epoch<k>.pt after each epoch k = 0, 1, ..."""
    from ultralytics import YOLO

    if config.architecture == "efficientnet-lite0":
        from inference.training.defect_backbone import register

        register()  # a checkpoint names the trunk's class as the yaml does
    # pretrained: the checkpoint's weights (False would train its architecture from scratch).
    if finetune_epochs:
        schedule = dict(epochs=finetune_epochs, warmup_epochs=0, close_mosaic=finetune_epochs,
                        lr0=config.finetune_learning_rate, lrf=1.0, pretrained=True)
    else:
        schedule = dict(epochs=config.epochs, warmup_epochs=config.warmup_epochs, close_mosaic=config.close_mosaic,
                        lr0=config.learning_rate, pretrained=False)
    model = YOLO(start)
    results = model.train(
        data=str(data_dir / "data.yaml"), imgsz=config.train_size, batch=config.batch_size, device=_device(),
        workers=2, seed=config.seed, deterministic=True, amp=False, plots=False,
        project=str(runs), name=name, exist_ok=True, verbose=True, patience=schedule["epochs"], val=False,
        optimizer=config.optimizer, save_period=1 if every_epoch else -1, **schedule,
    )
    weights = Path(results.save_dir if hasattr(results, "save_dir") else model.trainer.save_dir) / "weights"
    return weights / "best.pt" if (weights / "best.pt").exists() else weights / "last.pt"


def export(checkpoint: Path, out_dir: Path, *, image_size: int) -> Path:
    from ultralytics import YOLO

    onnx_file = Path(YOLO(str(checkpoint)).export(format="onnx", imgsz=image_size, dynamic=True, opset=17,
                                                  simplify=False))
    store_half(onnx_file, out_dir / "defects.onnx")
    return out_dir / "defects.onnx"


def choose_finetune_epochs(config: DefectTrainConfig, start: Path, *, runs: Path,
                           log: Callable[[str], None]) -> tuple[int, list[list[dict]]]:
    """For each fold of the fine-tuning dirty-mark photos: fine-tune on the other folds for
    up to finetune_epochs and measure each epoch's weights (epoch 0: the main stage alone)
    on the fold's own whole photos, at the threshold `finish` would choose for them. The
    epoch count with the best mean mAP50 over the folds, and every measurement."""
    from statistics import mean

    from inference.training.detection_metrics import evaluate

    exported: dict[Path, tuple[Path, float]] = {}  # the main stage's weights serve every fold's epoch 0

    def measured(checkpoint: Path, fold_dir: Path, epoch: int) -> dict:
        if checkpoint not in exported:
            # Epoch 0 is the main stage, shared by every fold: named for it, not the first fold.
            model_dir = runs / "finetune-measure" / ("main-stage" if epoch == 0 else f"{fold_dir.name}-epoch{epoch}")
            model_dir.mkdir(parents=True, exist_ok=True)
            export(checkpoint, model_dir, image_size=config.image_size)
            (model_dir / "metadata.json").write_text(json.dumps(_detector_metadata(config, THRESHOLD_GRID[0])))
            exported[checkpoint] = model_dir, _validation_threshold(config, model_dir)[0]
        model_dir, threshold = exported[checkpoint]
        report = evaluate(collect(model_dir, fold_dir / "measure" / "images", threshold=threshold), list(CLASSES),
                          confidence_threshold=threshold)
        return {"epoch": epoch, "threshold": threshold,
                **{key: report[key] for key in ("map50", "precision", "recall", "image_recall")}}

    folds = []
    for fold in range(config.data.finetune_folds):
        fold_dir = config.data.out_dir / f"finetune-fold{fold}"
        log(f"fold {fold + 1}/{config.data.finetune_folds}: fine-tuning on the other folds' dirty-mark photos")
        weights = _fit(str(start), config, data_dir=fold_dir, runs=runs, name=fold_dir.name,
                       finetune_epochs=config.finetune_epochs, every_epoch=True).parent
        rows = [measured(start, fold_dir, 0)]
        rows += [measured(weights / f"epoch{epoch - 1}.pt", fold_dir, epoch)
                 for epoch in range(1, config.finetune_epochs + 1)]
        log(f"fold {fold + 1}: mAP50 by epoch " + ", ".join(f"{row['map50']:.3f}" for row in rows))
        folds.append(rows)
    means = [mean(rows[epoch]["map50"] for rows in folds) for epoch in range(config.finetune_epochs + 1)]
    return max(range(len(means)), key=lambda epoch: (means[epoch], -epoch)), folds


def store_half(source: Path, target: Path) -> None:
    """The ONNX graph with its weights stored as float16, cast back to float32 as it loads:
    half the file (the 15 MB bound), float32 arithmetic. ultralytics' checkpoint already
    holds its weights in float16, so little is rounded (the folded batch norms)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    casts = []
    for initializer in graph.initializer:
        if initializer.data_type != onnx.TensorProto.FLOAT or np.prod(initializer.dims) < 256:
            continue  # scalars and shapes stay as they are
        name = initializer.name
        initializer.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(initializer).astype(np.float16),
                                                     f"{name}.half"))
        casts.append(onnx.helper.make_node("Cast", [f"{name}.half"], [name], to=onnx.TensorProto.FLOAT))
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))


def finish(config: DefectTrainConfig, metadata: dict, *, log: Callable[[str], None], started: float) -> dict:
    """Chooses the confidence threshold on the validation split (unseen senders), then
    measures the exported model as the product runs it and writes its metadata."""
    from inference.training.detection_metrics import evaluate

    (config.out_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    log("measuring on the validation photos and the held-out dirty-mark photos")
    threshold, images = _validation_threshold(config, config.out_dir)
    metadata["confidence_threshold"] = threshold
    log(f"confidence threshold {threshold} (clean validation photos flagged at most {MAX_CLEAN_FLAG_RATE:.0%})")
    metadata["metrics"] = {
        "validation": evaluate(above(images, threshold), list(CLASSES), confidence_threshold=threshold)}
    if config.data.dirty_marks_dir:
        images = collect(config.out_dir, config.data.out_dir / "dirty-heldout" / "images", threshold=threshold)
        metadata["metrics"]["dirty_marks_heldout"] = evaluate(images, list(CLASSES), confidence_threshold=threshold)
    metadata["training_minutes"] = round((time.monotonic() - started) / 60, 1)
    (config.out_dir / "metadata.json").write_text(json.dumps(metadata, indent=2, default=float) + "\n")
    return metadata


MAX_CLEAN_FLAG_RATE = 0.05  # the bound on clean photos called stained
THRESHOLD_GRID = [round(0.05 * step, 2) for step in range(1, 20)]


def above(images: list[dict], threshold: float) -> list[dict]:
    return [{**image, "predictions": [p for p in image["predictions"] if p[1] >= threshold]} for image in images]


def choose_threshold(images: list[dict], *, floor: float) -> float:
    """The lowest confidence (not under `floor`) at which at most MAX_CLEAN_FLAG_RATE of
    the clean validation photos get a box: as many true finds as that false-alarm rate allows."""
    clean_peaks = [max((conf for _, conf, _ in image["predictions"]), default=0.0)
                   for image in images if not image["truths"]]
    for threshold in THRESHOLD_GRID:
        flagged = sum(peak >= threshold for peak in clean_peaks) / max(1, len(clean_peaks))
        if threshold >= floor and flagged <= MAX_CLEAN_FLAG_RATE:
            return threshold
    return THRESHOLD_GRID[-1]


def read_yolo_folder(images_dir: Path) -> list[tuple[Path, list[tuple[int, tuple]]]]:
    """(image, [(class, (x0, y0, x1, y1) as fractions)]) for every image; no label file: clean."""
    from inference.training.defect_data import IMAGE_SUFFIXES

    labels_dir = images_dir.parent.parent / "labels" / images_dir.name if images_dir.parent.name == "images" \
        else images_dir.parent / "labels"
    rows = []
    for path in sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        truths = []
        label_file = labels_dir / f"{path.stem}.txt"
        if label_file.exists():
            for line in label_file.read_text().split("\n"):
                parts = line.split()
                if len(parts) >= 5:
                    cls, cx, cy, w, h = int(parts[0]), *map(float, parts[1:5])
                    truths.append((cls, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)))
        rows.append((path, truths))
    return rows


def measure(model_dir: Path | None, images_dir: Path, *, batch_size: int = 8) -> dict:
    """Runs the product's normalize and defects steps over a YOLO folder."""
    from inference.defects import load
    from inference.training.detection_metrics import evaluate

    detector = load(str(model_dir) if model_dir else None)
    return evaluate(collect(model_dir, images_dir, batch_size=batch_size),
                    detector.classes, confidence_threshold=detector.confidence_threshold)


def collect(model_dir: Path | None, images_dir: Path, *, batch_size: int = 8, threshold: float | None = None):
    """Truths and the product's detections for each photo of a YOLO folder; `threshold`
    replaces the model's own for this run (to see what lies under it)."""
    from inference import pipeline
    from inference.defects import DEFAULT_WEIGHTS_DIR, DefectDetector, load

    detector = (DefectDetector(model_dir or DEFAULT_WEIGHTS_DIR) if threshold is not None
                else load(str(model_dir) if model_dir else None))
    if threshold is not None:
        detector.confidence_threshold = threshold
    defects = pipeline.DefectsStep(str(model_dir) if model_dir else "")
    defects.model = detector
    steps = [pipeline.NormalizeStep(), defects]
    rows = read_yolo_folder(images_dir)
    images = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        for (path, truths), result in zip(batch, pipeline.run_batch([p.read_bytes() for p, _ in batch], steps)):
            predictions = [(detector.classes.index(d["type"]), d["confidence"], tuple(d["box"]))
                           for d in result.fields.get("defects", [])]
            images.append({"truths": truths, "predictions": predictions})
    return images


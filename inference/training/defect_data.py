"""The defect detector's data set, in YOLO layout: synthetic defects on the shared clothing
photos (split by sender), plus the real dirty-mark photos (split once by source photo)."""

import hashlib
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from inference.images import open_rgb
from inference.training.data import SaliencyCache, read_photos, split_by_sender
from inference.training.defect_paste import lift_marks, paste_marks
from inference.training.defect_synthesis import (
    CLASSES,
    STAIN,
    SynthesisSettings,
    synthesize,
)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class DefectDataConfig:
    clothing_dir: Path
    dirty_marks_dir: Path | None
    out_dir: Path
    cache_dir: Path
    train_photos: int = 800
    val_photos: int = 300
    stained_share: float = 0.5  # the rest stay clean: negatives
    val_share: float = 0.2  # of senders, held out from training
    dirty_marks_heldout_share: float = 0.5
    dirty_marks_repeats: int = 8  # the few real photos weigh more than one synthetic each
    # With a fine-tuning stage (build's `finetune`) the dirty-mark photos are also written in
    # this many folds by source, to choose the stage's length by (1: no folds).
    finetune_folds: int = 2
    # This share of the stained training photos also gets one or two real dirt marks of the
    # fine-tuning photos multiplied into its garment (defect_paste); 0: none.
    pasted_marks_share: float = 0.0
    # Training photos are scaled as the detector sees them when served (long side
    # serve_size) and cut to one random tile_size square each: faint marks keep their size
    # in pixels at a quarter of the cost of training on the whole photo at that size.
    serve_size: int = 512
    tile_size: int = 352
    seed: int = 0
    synthesis: SynthesisSettings = field(default_factory=SynthesisSettings)

    def __post_init__(self):
        if self.pasted_marks_share and not self.dirty_marks_dir:
            raise ValueError("pasting real marks needs the dirty-mark photos")


def dirty_mark_source(name: str) -> str:
    """Roboflow exports one source photo under several names ("Dirt-Mark-2_jpg.rf.<hash>",
    "Dirt-Mark-2-_jpg.rf.<hash>"): they must land on the same side of a split."""
    return re.split(r"_(?:jpe?g|png)\.rf\.", name)[0].rstrip("-_ ")


def _shuffled_sources(photos: list[Path], salt: str) -> list[str]:
    """The photos' source names in an order fixed by `salt` (a seed), not by their names."""
    return sorted({dirty_mark_source(p.name) for p in photos},
                  key=lambda source: hashlib.sha256(f"{salt}:{source}".encode()).hexdigest())


def source_folds(photos: list[Path], *, folds: int, seed: int) -> list[list[Path]]:
    """The photos in `folds` groups, all copies of one source photo in the same group."""
    fold_of = {source: index % folds for index, source in enumerate(_shuffled_sources(photos, f"{seed}:fold"))}
    return [[p for p in photos if fold_of[dirty_mark_source(p.name)] == fold] for fold in range(folds)]


def split_dirty_marks(folder: Path, *, heldout_share: float, seed: int) -> tuple[list[Path], list[Path]]:
    images = sorted(p for p in (folder / "train" / "images").iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    sources = _shuffled_sources(images, str(seed))
    heldout = set(sources[:round(len(sources) * heldout_share)])
    tune = [p for p in images if dirty_mark_source(p.name) not in heldout]
    held = [p for p in images if dirty_mark_source(p.name) in heldout]
    return tune, held


MIN_VISIBLE_SHARE = 0.4  # a box cut by the tile is kept when this share of it stays in


def at_serving_scale(image: Image.Image, serve_size: int) -> Image.Image:
    """The photo as the detector sees it: its long side serve_size, up or down."""
    scale = serve_size / max(image.size)
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BILINEAR)


def tile(image: Image.Image, lines: list[str], *, serve_size: int, tile_size: int,
         rng: np.random.Generator) -> tuple[Image.Image, list[str]]:
    """The photo at its serving scale, one random tile of it, and the YOLO lines of the
    boxes left in that tile (clipped; dropped when mostly cut off)."""
    image = at_serving_scale(image, serve_size)
    width, height = image.size
    tile_w, tile_h = min(tile_size, width), min(tile_size, height)
    left, top = int(rng.integers(0, width - tile_w + 1)), int(rng.integers(0, height - tile_h + 1))
    kept = []
    for line in lines:
        cls, cx, cy, w, h = line.split()
        cx, cy, w, h = float(cx) * width, float(cy) * height, float(w) * width, float(h) * height
        x0, y0 = max(cx - w / 2, left), max(cy - h / 2, top)
        x1, y1 = min(cx + w / 2, left + tile_w), min(cy + h / 2, top + tile_h)
        if x1 <= x0 or y1 <= y0 or (x1 - x0) * (y1 - y0) < MIN_VISIBLE_SHARE * w * h:
            continue
        kept.append(f"{cls} {((x0 + x1) / 2 - left) / tile_w:.6f} {((y0 + y1) / 2 - top) / tile_h:.6f} "
                    f"{(x1 - x0) / tile_w:.6f} {(y1 - y0) / tile_h:.6f}")
    return image.crop((left, top, left + tile_w, top + tile_h)), kept


def _write(out_dir: Path, split: str, name: str, image: Image.Image, lines: list[str]) -> None:
    (out_dir / "images" / split).mkdir(parents=True, exist_ok=True)
    (out_dir / "labels" / split).mkdir(parents=True, exist_ok=True)
    image.save(out_dir / "images" / split / f"{name}.jpg", quality=92)
    (out_dir / "labels" / split / f"{name}.txt").write_text("".join(f"{line}\n" for line in lines))


def build(config: DefectDataConfig, *, finetune: bool = False, log: Callable[[str], None] = print) -> dict:
    """Writes OUT/images/{train,val}, OUT/labels/{train,val}, OUT/data.yaml and, when the
    dirty-mark photos are given, OUT/dirty-heldout (evaluation only). Their fine-tuning
    photos join OUT's training split or, with `finetune` (a second training stage), stay
    out of it and go to OUT/finetune and OUT/finetune-fold<k> (each with its data.yaml; a
    fold's own photos whole in OUT/finetune-fold<k>/measure). Returns counts."""
    from inference import segmenter

    if config.out_dir.exists():
        shutil.rmtree(config.out_dir)
    rng = np.random.default_rng(config.seed)
    photos = read_photos(config.clothing_dir)
    train_pool, val_pool = split_by_sender(photos, val_share=config.val_share, seed=config.seed)
    chosen = {
        "train": [train_pool[i] for i in rng.permutation(len(train_pool))[:config.train_photos]],
        "val": [val_pool[i] for i in rng.permutation(len(val_pool))[:config.val_photos]],
    }
    cache = SaliencyCache(config.cache_dir / "saliency", segmenter.load())
    tune, held = (split_dirty_marks(config.dirty_marks_dir, heldout_share=config.dirty_marks_heldout_share,
                                    seed=config.seed) if config.dirty_marks_dir else ([], []))
    marks = [mark for path in tune for mark in lift_marks(at_serving_scale(open_rgb(path), config.serve_size),
                                                          _labels(path))] if config.pasted_marks_share else []
    counts = {"train": {"stained": 0, "clean": 0, "boxes": [0] * len(CLASSES)},
              "val": {"stained": 0, "clean": 0, "boxes": [0] * len(CLASSES)}}
    for split, selected in chosen.items():
        for index, photo in enumerate(selected, 1):
            image = open_rgb(photo.path)
            lines = []
            # Exactly floor(n * share) photos get defects, spread evenly; the rest stay clean.
            stained = int(index * config.stained_share) > int((index - 1) * config.stained_share)
            picture = image
            if stained:
                photo_seed = int(hashlib.sha256(photo.image_id.encode()).hexdigest()[:8], 16)
                photo_rng = np.random.default_rng([config.seed, photo_seed])
                mask = cache.segmentation(photo, image).mask
                result = synthesize(np.asarray(image), mask, photo_rng, config.synthesis)
                pixels, defects = result.image, result.defects
                if split == "train" and marks and photo_rng.random() < config.pasted_marks_share:
                    pixels, pasted = paste_marks(pixels, mask, marks, photo_rng, count=int(photo_rng.integers(1, 3)),
                                                 serve_size=config.serve_size)
                    defects = defects + pasted
                    counts[split]["pasted_marks"] = counts[split].get("pasted_marks", 0) + len(pasted)
                picture = Image.fromarray(pixels)
                lines = [defect.yolo_line(image.width, image.height) for defect in defects]
            if split == "train":  # validation photos stay whole: they are measured as the product runs
                picture, lines = tile(picture, lines, serve_size=config.serve_size, tile_size=config.tile_size,
                                      rng=rng)
            for line in lines:
                counts[split]["boxes"][int(line.split()[0])] += 1
            counts[split]["stained" if lines else "clean"] += 1
            _write(config.out_dir, split, photo.image_id, picture, lines)
            if index % 100 == 0:
                log(f"{split}: {index}/{len(selected)} photos")
    counts["dirty_marks"] = {}
    if config.dirty_marks_dir:
        if finetune:
            main_tiles = sorted((config.out_dir / "images" / "train").glob("*.jpg"))
            _write_finetune_set(config, config.out_dir / "finetune", tune, main_tiles, rng)
            folds = source_folds(tune, folds=config.finetune_folds, seed=config.seed) if config.finetune_folds > 1 else []
            for fold, photos in enumerate(folds):
                others = [p for p in tune if p not in photos]
                _write_finetune_set(config, config.out_dir / f"finetune-fold{fold}", others, main_tiles, rng)
                for path in photos:
                    _write(config.out_dir / f"finetune-fold{fold}" / "measure", "", path.stem, open_rgb(path),
                           _labels(path))
        else:
            _write_dirty_tiles(config, config.out_dir, tune, rng)
        for path in held:
            _write(config.out_dir / "dirty-heldout", "", path.stem, open_rgb(path), _labels(path))
        counts["dirty_marks"] = {"tune_photos": len(tune), "heldout_photos": len(held),
                                 "tune_sources": len({dirty_mark_source(p.name) for p in tune}),
                                 "heldout_sources": len({dirty_mark_source(p.name) for p in held})}
    _write_yaml(config.out_dir, config.out_dir)
    return counts


def _write_dirty_tiles(config: DefectDataConfig, out_dir: Path, photos: list[Path], rng: np.random.Generator) -> int:
    written = 0
    for path in photos:
        lines = [f"{STAIN} {' '.join(line.split()[1:])}" for line in _labels(path)]
        image = open_rgb(path)
        for repeat in range(config.dirty_marks_repeats):  # a different tile each time
            picture, kept = tile(image, lines, serve_size=config.serve_size, tile_size=config.tile_size, rng=rng)
            _write(out_dir, "train", f"dirty-{path.stem}-{repeat}", picture, kept)
            written += 1
    return written


def _write_finetune_set(config: DefectDataConfig, out_dir: Path, photos: list[Path], main_tiles: list[Path],
                        rng: np.random.Generator) -> None:
    """The dirty-mark photos' tiles and as many tiles of the main training split (synthetic
    defects and clean photos), so that fine-tuning on real marks keeps what was learnt there."""
    written = _write_dirty_tiles(config, out_dir, photos, rng)
    for index in rng.permutation(len(main_tiles))[:written]:
        source = main_tiles[index]
        for kind, suffix in (("images", ".jpg"), ("labels", ".txt")):
            target = out_dir / kind / "train" / f"main-{source.stem}{suffix}"
            os.link(config.out_dir / kind / "train" / f"{source.stem}{suffix}", target)
    _write_yaml(out_dir, config.out_dir)


def _write_yaml(out_dir: Path, main_dir: Path) -> None:
    # ultralytics wants a validation folder; training runs without validating, so the main one serves.
    (out_dir / "data.yaml").write_text(
        f"path: {out_dir.resolve()}\ntrain: images/train\nval: {(main_dir / 'images' / 'val').resolve()}\n"
        f"names:\n" + "".join(f"  {index}: {name}\n" for index, name in enumerate(CLASSES)))


def _labels(image_path: Path) -> list[str]:
    labels = image_path.parent.parent / "labels" / f"{image_path.stem}.txt"
    return [line.strip() for line in labels.read_text().splitlines() if line.strip()] if labels.exists() else []

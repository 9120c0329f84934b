"""Reading a labelled photo folder (`images/` + `images.csv`) and splitting it by sender."""

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
from PIL import Image

from inference.images import open_rgb
from inference.training.labels import class_for_label


@dataclass(frozen=True)
class Photo:
    image_id: str
    path: Path
    sender: str
    label: str  # as written in the csv
    target: str  # the model class


def read_photos(data_dir: str | Path) -> list[Photo]:
    """Rows whose label maps to a model class and whose image file exists."""
    data_dir = Path(data_dir)
    photos = []
    with open(data_dir / "images.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            target = class_for_label(row["label"])
            path = _image_path(data_dir / "images", row["image"])
            if target is None or path is None:
                continue
            photos.append(Photo(row["image"], path, row.get("sender_id", ""), row["label"], target))
    return photos


def _image_path(folder: Path, image_id: str) -> Path | None:
    for suffix in ("", ".jpg", ".jpeg", ".png", ".webp"):
        candidate = folder / f"{image_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def split_by_sender(photos: Sequence[Photo], *, val_share: float, seed: int) -> tuple[list[Photo], list[Photo]]:
    """All photos of one sender land on the same side: their rooms and cameras look alike.

    Senders are ordered by a seeded hash and go to validation until it holds
    `val_share` of the photos.
    """
    per_sender = Counter(photo.sender for photo in photos)
    order = sorted(per_sender, key=lambda sender: hashlib.sha256(f"{seed}:{sender}".encode()).hexdigest())
    val_senders, taken = set(), 0
    for sender in order:
        if taken >= val_share * len(photos):
            break
        val_senders.add(sender)
        taken += per_sender[sender]
    train = [p for p in photos if p.sender not in val_senders]
    val = [p for p in photos if p.sender in val_senders]
    return train, val


def sender_folds(senders: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """Fold index per photo: senders are shuffled (seeded) and dealt to the folds so that
    the folds hold about the same number of photos (largest senders first)."""
    unique, counts = np.unique(senders, return_counts=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(unique))
    order = order[np.argsort(-counts[order], kind="stable")]
    load = np.zeros(folds, dtype=int)
    fold_of = {}
    for index in order:
        fold = int(np.argmin(load))
        fold_of[unique[index]] = fold
        load[fold] += counts[index]
    return np.array([fold_of[s] for s in senders], dtype=int)


def split_by_fold(photos: Sequence[Photo], *, folds: int, fold: int, seed: int) -> tuple[list[Photo], list[Photo]]:
    """Sender-grouped k-fold cross-validation: the photos of fold `fold` are the validation side."""
    of = sender_folds(np.array([photo.sender for photo in photos]), folds, seed)
    return ([p for p, k in zip(photos, of) if k != fold], [p for p, k in zip(photos, of) if k == fold])


class SaliencyCache:
    """U2-Net-p saliency maps, kept on disk by segmenter version and a key (a dataset
    photo's id, or a digest of the pixels).

    The segmenter is the slowest step of training data preparation (about a quarter
    of a second a photo on two CPU cores), and its output never changes for a photo.
    Maps are stored as 8-bit PNGs, or with `exact` as float32 arrays: the PNG's rounding
    moves mask edges a little (3 of 300 first colours changed), which an evaluation that
    must answer as the product does cannot afford.
    """

    def __init__(self, folder: Path, segmenter, *, exact: bool = False):
        self.segmenter = segmenter
        self.exact = exact
        self.folder = Path(folder) / segmenter.version
        self.folder.mkdir(parents=True, exist_ok=True)

    def saliency(self, key: str, image: Image.Image) -> np.ndarray:
        cached = self.folder / f"{key}.{'npy' if self.exact else 'png'}"
        if cached.exists():
            return np.load(cached) if self.exact else np.asarray(Image.open(cached), dtype=np.float32) / 255.0
        saliency = self.segmenter.saliency(image)
        buffer = io.BytesIO()
        if self.exact:
            np.save(buffer, saliency.astype(np.float32))
        else:
            Image.fromarray(np.clip(saliency * 255 + 0.5, 0, 255).astype(np.uint8)).save(buffer, "PNG")
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(cached)
        return saliency

    def segmentation(self, photo: Photo, image: Image.Image):
        from inference.segmenter import postprocess

        return postprocess(self.saliency(photo.image_id, image), image.size)


def load_views(
    photos: Iterable[Photo],
    *,
    views: Callable[[Photo, Image.Image], list[Image.Image]],
    size: int,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """V x N x size x size x 3 uint8 array: each photo's V model views."""
    from inference.garment_view import to_model_array

    arrays = []
    for index, photo in enumerate(photos, 1):
        image = open_rgb(photo.path)
        arrays.append([to_model_array(view, size) for view in views(photo, image)])
        if progress:
            progress(index)
    if not arrays:
        return np.zeros((1, 0, size, size, 3), np.uint8)
    return np.stack(arrays, axis=1)

"""Training the pattern model (inference/pattern.py): features of labelled photos through
the product's own steps, a softmax regression in numpy, and sender-grouped cross-validation
to choose its inputs and regularisation.

Everything here is numpy: no training stack is needed, and the fit of one setting on a
few hundred photos takes a fraction of a second.
"""

import csv
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from inference import pattern as pattern_module
from inference.pipeline import GarmentStep, NormalizeStep, SegmentStep, Step, run_batch
from inference.taxonomy import PATTERNS
from inference.training.data import sender_folds
from inference.training.metrics import confusion_matrix, per_class_scores

CLASSES = tuple(term.code for term in PATTERNS)
FEATURE_SETS = ("embedding", "texture", "embedding+texture")
L2_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
EXTENSIONS = ("", ".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class LabelledPhoto:
    image: str
    path: Path
    pattern: str
    sender: str


def read_labels(labels: Path, data_dir: Path) -> tuple[list[LabelledPhoto], int]:
    """Rows of image,pattern[,sender_id] whose photo is in DATA/images; and how many are not."""
    photos, missing = [], 0
    with open(labels, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        absent = {"image", "pattern"} - set(reader.fieldnames or ())
        if absent:
            raise ValueError(f"{labels} lacks the column(s) {', '.join(sorted(absent))}")
        for row in reader:
            image, label = row["image"].strip(), row["pattern"].strip()
            if not image or label not in CLASSES:
                continue
            path = next((data_dir / "images" / (image + ext) for ext in EXTENSIONS
                         if (data_dir / "images" / (image + ext)).is_file()), None)
            if path is None:
                missing += 1
                continue
            photos.append(LabelledPhoto(image, path, label, (row.get("sender_id") or image).strip()))
    return photos, missing


class PatternInputs(Step):
    """The pattern model's inputs, as the pattern step computes them (for training)."""

    name = "pattern_inputs"
    model_name = "pattern-inputs"
    version = pattern_module.TEXTURE_VERSION

    def run(self, photo):
        mask = photo.segmentation.mask if photo.segmentation is not None else None
        return {"pattern_texture": pattern_module.texture_features(photo.image, mask),
                "pattern_embedding": photo.embedding.vector}


def extract_features(photos: Sequence[LabelledPhoto], *, segment: SegmentStep, garment: GarmentStep,
                     cache_dir: Path | None = None, batch_size: int = 8,
                     progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each photo's embedding (N x D) and texture measures (N x T) through normalize, segment
    and garment, as in the product. With `cache_dir`, kept per photo and models' versions."""
    key = hashlib.sha1(f"{segment.version}|{garment.model.embedding_version}|{pattern_module.TEXTURE_VERSION}"
                       .encode()).hexdigest()[:12]
    cache = Path(cache_dir) / key if cache_dir else None
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    embeddings, textures = [None] * len(photos), [None] * len(photos)
    todo = []
    for index, photo in enumerate(photos):
        cached = cache / f"{photo.image}.npz" if cache else None
        if cached and cached.exists():
            with np.load(cached) as stored:
                embeddings[index], textures[index] = stored["embedding"], stored["texture"]
        else:
            todo.append(index)
    steps = [NormalizeStep(), segment, garment, PatternInputs()]
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        results = run_batch([photos[i].path.read_bytes() for i in batch], steps)
        for index, result in zip(batch, results):
            if not result.ok:
                raise ValueError(f"{photos[index].image}: {result.error}")
            embeddings[index] = result.fields["pattern_embedding"]
            textures[index] = result.fields["pattern_texture"]
            if cache:
                np.savez(cache / f"{photos[index].image}.npz", embedding=embeddings[index], texture=textures[index])
        if progress:
            progress(min(start + batch_size, len(todo)))
    return np.stack(embeddings).astype(np.float32), np.stack(textures).astype(np.float32)


def inputs(features: str, embeddings: np.ndarray, textures: np.ndarray) -> np.ndarray:
    return np.stack([pattern_module.feature_vector(features, e, t) for e, t in zip(embeddings, textures)])


@dataclass(frozen=True)
class Fitted:
    coef: np.ndarray  # D x C
    intercept: np.ndarray  # C
    mean: np.ndarray  # D
    scale: np.ndarray  # D

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return pattern_module.softmax_probabilities(vectors, self.coef, self.intercept, self.mean, self.scale)


def fit(vectors: np.ndarray, targets: np.ndarray, *, l2: float, balanced: bool, iterations: int = 400) -> Fitted:
    """Softmax regression on standardised inputs, mean cross-entropy + l2/2 |W|^2, by
    Nesterov-accelerated gradient descent (the loss is smooth and convex; the step is 1/L).
    `balanced` weighs each class by the inverse of its frequency, so the rare patterns count."""
    vectors = np.asarray(vectors, dtype=np.float64)
    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0)
    scale = np.where(scale > 1e-6, scale, 1.0)
    x = (vectors - mean) / scale
    n, d = x.shape
    classes = len(CLASSES)
    onehot = np.eye(classes)[targets]
    counts = np.bincount(targets, minlength=classes)
    weights = (n / (classes * np.maximum(counts[targets], 1))) if balanced else np.ones(n)
    weights = weights / weights.sum()
    # The softmax's Hessian is at most 1/2 x^T diag(w) x (+ l2): its largest eigenvalue bounds the step.
    lipschitz = 0.5 * np.linalg.eigvalsh((x * weights[:, None]).T @ x).max() + l2 + 0.5
    step = 1.0 / lipschitz
    w = np.zeros((d, classes))
    b = np.zeros(classes)
    w_prev, b_prev = w.copy(), b.copy()
    for iteration in range(1, iterations + 1):
        momentum = (iteration - 1) / (iteration + 2)
        yw, yb = w + momentum * (w - w_prev), b + momentum * (b - b_prev)
        logits = x @ yw + yb
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        residual = (p - onehot) * weights[:, None]
        w_prev, b_prev = w, b
        w = yw - step * (x.T @ residual + l2 * yw)
        b = yb - step * residual.sum(axis=0)
    return Fitted(w.astype(np.float32), b.astype(np.float32), mean.astype(np.float32), scale.astype(np.float32))


def scores(targets: np.ndarray, predicted: np.ndarray) -> dict:
    matrix = confusion_matrix(targets, predicted, len(CLASSES))
    per_class = per_class_scores(matrix, CLASSES)
    present = [s["f1"] for s in per_class.values() if s["support"]]
    return {"count": int(len(targets)),
            "accuracy": round(float(np.mean(targets == predicted)) if len(targets) else 0.0, 4),
            "macro_f1": round(float(np.mean(present)) if present else 0.0, 4),
            "per_class": per_class, "confusion_matrix": matrix.tolist()}


@dataclass(frozen=True)
class Setting:
    features: str
    l2: float
    balanced: bool

    def as_dict(self) -> dict:
        return {"features": self.features, "l2": self.l2, "balanced": self.balanced}


def settings_grid() -> list[Setting]:
    return [Setting(f, l2, balanced) for f in FEATURE_SETS for l2 in L2_GRID for balanced in (False, True)]


def out_of_fold(setting: Setting, embeddings, textures, targets, folds: np.ndarray) -> np.ndarray:
    """Each photo's probabilities from the model fitted on the other folds' senders."""
    vectors = inputs(setting.features, embeddings, textures)
    probabilities = np.zeros((len(targets), len(CLASSES)))
    for fold in np.unique(folds):
        train, held = folds != fold, folds == fold
        model = fit(vectors[train], targets[train], l2=setting.l2, balanced=setting.balanced)
        probabilities[held] = model.probabilities(vectors[held])
    return probabilities


def choose(embeddings, textures, targets, folds: np.ndarray, grid: Sequence[Setting]) -> tuple[Setting, dict]:
    """The setting with the best out-of-fold macro F1 over `folds`; every setting's score."""
    table = {}
    for setting in grid:
        predicted = out_of_fold(setting, embeddings, textures, targets, folds).argmax(axis=1)
        table[setting] = scores(targets, predicted)["macro_f1"]
    return max(grid, key=lambda s: (table[s], -FEATURE_SETS.index(s.features), s.l2)), table


def cross_validate(embeddings, textures, targets, senders, *, folds: int, seed: int,
                   grid: Sequence[Setting], log: Callable[[str], None] = print) -> dict:
    """Nested, sender-grouped cross-validation: in each outer fold the setting is chosen by
    an inner cross-validation over the other folds' senders only, then scored on the held-out
    senders. The figures therefore include the cost of choosing."""
    outer = sender_folds(np.asarray(senders), folds, seed)
    predicted = np.zeros(len(targets), dtype=int)
    per_fold, chosen = [], []
    for fold in range(folds):
        train, held = outer != fold, outer == fold
        inner = sender_folds(np.asarray(senders)[train], folds - 1, seed + 1 + fold)
        setting, _ = choose(embeddings[train], textures[train], targets[train], inner, grid)
        vectors = inputs(setting.features, embeddings, textures)
        model = fit(vectors[train], targets[train], l2=setting.l2, balanced=setting.balanced)
        predicted[held] = model.probabilities(vectors[held]).argmax(axis=1)
        fold_scores = scores(targets[held], predicted[held])
        per_fold.append(fold_scores)
        chosen.append(setting.as_dict())
        log(f"  fold {fold}: {setting.as_dict()} accuracy {fold_scores['accuracy']:.3f} "
            f"macro F1 {fold_scores['macro_f1']:.3f} ({fold_scores['count']} photos)")
    pooled = scores(targets, predicted)
    # The same predictions read as plain or patterned: the field's fallback if the six
    # classes do not measure well.
    patterned = [scores((targets[held] != 0).astype(int), (predicted[held] != 0).astype(int))
                 for held in (outer == fold for fold in range(folds))]
    return {
        "folds": folds, "seed": seed, "chosen": chosen, "pooled": pooled,
        "accuracy": _spread([s["accuracy"] for s in per_fold]),
        "macro_f1": _spread([s["macro_f1"] for s in per_fold]),
        "recall": {name: _spread([s["per_class"][name]["recall"] for s in per_fold
                                  if s["per_class"][name]["support"]]) for name in CLASSES},
        "per_fold": [{"count": s["count"], "accuracy": s["accuracy"], "macro_f1": s["macro_f1"]} for s in per_fold],
        "plain_or_patterned": {"accuracy": _spread([s["accuracy"] for s in patterned]),
                               "macro_f1": _spread([s["macro_f1"] for s in patterned])},
    }


def _spread(values) -> dict:
    # A class no held-out fold had (tiny label sets) has no figure; one fold has no spread.
    return {"mean": round(float(np.mean(values)), 4) if values else None,
            "sd": round(float(np.std(values, ddof=1)), 4) if len(values) > 1 else None}


def calibrate(probabilities: np.ndarray, targets: np.ndarray, folds: np.ndarray) -> dict:
    """Temperature scaling of one setting's out-of-fold probabilities: per fold, T fitted on
    the other folds and the expected calibration error before and after on this one; then
    T on all of them, for the model fitted on every photo."""
    from inference.training.calibration import ece, fit_temperature, temper

    rows = []
    for fold in np.unique(folds):
        held = folds == fold
        t = fit_temperature(probabilities[~held], targets[~held])
        rows.append((t, ece(probabilities[held], targets[held]), ece(temper(probabilities[held], t), targets[held])))
    return {"temperature": round(fit_temperature(probabilities, targets), 4),
            "per_fold_temperature": _spread([row[0] for row in rows]),
            "ece_before": _spread([row[1] for row in rows]), "ece_after": _spread([row[2] for row in rows])}


def _shown(path: Path) -> str:
    """The path as the card shows it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def train(*, labels: Path, data_dir: Path, out_dir: Path, cache_dir: Path | None, folds: int, seed: int,
          segment: SegmentStep, garment: GarmentStep, command: str,
          log: Callable[[str], None] = print) -> dict:
    """Cross-validates, chooses the setting by cross-validation over all photos, fits it on
    all of them and writes pattern.npz, metadata.json and the model card to `out_dir`."""
    from inference.training.pattern_card import write_model_card

    started = time.time()
    photos, missing = read_labels(labels, data_dir)
    if len({photo.sender for photo in photos}) < folds:
        raise ValueError(f"{len(photos)} photos of fewer than {folds} senders: too few to cross-validate")
    log(f"{len(photos)} labelled photos of {len({p.sender for p in photos})} senders ({missing} not found)")
    embeddings, textures = extract_features(
        photos, segment=segment, garment=garment, cache_dir=cache_dir,
        progress=lambda done: log(f"  features {done}"))
    targets = np.array([CLASSES.index(photo.pattern) for photo in photos])
    senders = np.array([photo.sender for photo in photos])
    grid = settings_grid()
    log(f"nested {folds}-fold cross-validation by sender over {len(grid)} settings")
    cv = cross_validate(embeddings, textures, targets, senders, folds=folds, seed=seed, grid=grid, log=log)
    all_folds = sender_folds(senders, folds, seed)
    setting, table = choose(embeddings, textures, targets, all_folds, grid)
    log(f"chosen on all photos: {setting.as_dict()} (out-of-fold macro F1 {table[setting]:.3f})")
    calibration = calibrate(out_of_fold(setting, embeddings, textures, targets, all_folds), targets, all_folds)
    model = fit(inputs(setting.features, embeddings, textures), targets, l2=setting.l2, balanced=setting.balanced)
    out_dir.mkdir(parents=True, exist_ok=True)
    # The temperature is in the weights file, so another temperature is another version.
    np.savez_compressed(out_dir / "pattern.npz", coef=model.coef, intercept=model.intercept,
                        mean=model.mean, scale=model.scale,
                        temperature=np.float32(calibration["temperature"]))
    by_features = {features: round(max(score for s, score in table.items() if s.features == features), 4)
                   for features in FEATURE_SETS}
    metadata = {
        "name": "pattern-logreg", "classes": list(CLASSES), "features": setting.features,
        "setting": setting.as_dict(),
        "embedding_version": f"{garment.model_name}@{garment.model.embedding_version}",
        "garment_model": f"{garment.model_name}@{garment.version}",
        "texture_version": pattern_module.TEXTURE_VERSION,
        "labels": _shown(labels), "count": len(photos), "senders": int(len(set(senders))),
        "class_counts": {name: int((targets == i).sum()) for i, name in enumerate(CLASSES)},
        "cross_validation": cv, "best_macro_f1_by_features": by_features, "calibration": calibration,
        "command": command, "training_seconds": round(time.time() - started, 1),
    }
    (out_dir / "metadata.json").write_text(json.dumps(metadata, indent=1, ensure_ascii=False) + "\n")
    write_model_card(out_dir, metadata)
    return metadata

"""Calibrating the garment model's confidences, and measuring what they are used for.

Everything here works on the shipped model's validation photos (the senders it never
trained on, reproduced by `split_by_sender` with the model's own settings), run once
through the product's steps (normalize, segment, garment) and cached:

- temperature scaling: one T for the network's averaged probabilities, p_T ∝ p ** (1 / T),
  fitted by minimising the negative log-likelihood; measured by sender-grouped k-fold
  (fit on the other folds' senders, score the held-out fold) before it is fitted on all;
- the review threshold: share of items sent to review and share of errors caught per
  threshold, on cross-fitted (held-out fold) calibrated confidences;
- the owner's corrections (wardrobe/personalize.py): a simulation in which every
  validation sender is a closet owner who confirmed k of their photos.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.training.data import Photo, read_photos, sender_folds, split_by_sender
from inference.training.garment_cv import load_outputs

ECE_BINS = 15
FOLDS = 5
THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(14))  # 0.30 ... 0.95
# The review threshold's rule, fixed before the table was looked at: the highest threshold
# that sends at most this share of items to review; it should catch at least ERRORS_CAUGHT
# of the errors (the card says whether it does).
REVIEW_SHARE_BUDGET = 0.25
ERRORS_CAUGHT_AIM = 0.70


@dataclass
class Features:
    """One row per validation photo, in the order of the split."""

    image_ids: list[str]
    senders: np.ndarray  # str
    labels: np.ndarray  # dataset label, as written in images.csv
    targets: np.ndarray  # int, index into classes
    probabilities: np.ndarray  # N x C float64: the network's averaged probabilities (T = 1)
    embeddings: np.ndarray  # N x D float32, L2-normalised
    classes: list[str]
    model_version: str  # the ONNX file's digest (no temperature)


# --- features ------------------------------------------------------------------------------

def validation_photos(data_dir: str | Path, metadata: dict) -> list[Photo]:
    """The model's validation photos: the split its training made (same share and seed)."""
    config = metadata.get("train_config", {})
    _, val = split_by_sender(read_photos(data_dir), val_share=float(config.get("val_share", 0.2)),
                             seed=int(config.get("seed", 0)))
    return val


def build_features(photos: Sequence[Photo], *, model_dir: str | Path | None, cache_dir: str | Path,
                   batch_size: int = 8, log: Callable[[str], None] = print) -> Features:
    """Runs the product's steps over the photos (what evaluate_garment_model does) and keeps
    each photo's untempered probabilities and embedding. Results are cached by model file,
    segmenter and photo, so a run that stopped resumes where it was."""
    from django.conf import settings

    from inference import pipeline
    from inference.garment import model_version
    from inference.runtime import file_digest

    garment = _untempered_step(str(model_dir or ""))
    classifier = garment.model
    digest = file_digest(Path(model_dir or _default_model_dir()) / "garment.onnx")
    steps = [pipeline.NormalizeStep(), garment]
    segment_version = "none"
    if classifier.input_mode != "full":
        segment = pipeline.SegmentStep(settings.SEGMENTATION_MODEL_PATH)
        steps.insert(1, segment)
        segment_version = segment.version
    digest = model_version(digest, classifier.metadata, temperature=1.0)  # mirroring: other probabilities
    key = hashlib.sha256(f"{digest}:{segment_version}".encode()).hexdigest()[:16]
    cache_path = Path(cache_dir) / "garment-calibration" / f"{key}.npz"
    cached = _read_cache(cache_path)
    missing = [photo for photo in photos if photo.image_id not in cached]
    log(f"{len(photos)} photos, {len(photos) - len(missing)} cached in {cache_path}")
    for start in range(0, len(missing), batch_size):
        batch = missing[start:start + batch_size]
        for photo, result in zip(batch, pipeline.run_batch([p.path.read_bytes() for p in batch], steps)):
            if result.ok and "garment" in result.step_outputs:
                output = result.step_outputs["garment"]
                cached[photo.image_id] = (output["raw_probabilities"], output["raw_embedding"])
        done = start + len(batch)
        if done % (batch_size * 10) == 0 or done == len(missing):
            _write_cache(cache_path, cached)
            log(f"  {done}/{len(missing)} photos through the pipeline")
    kept = [photo for photo in photos if photo.image_id in cached and photo.target in classifier.classes]
    if len(kept) < len(photos):
        log(f"{len(photos) - len(kept)} photos skipped (unreadable, or a class the model lacks)")
    return Features(
        image_ids=[p.image_id for p in kept],
        senders=np.array([p.sender for p in kept]),
        labels=np.array([p.label for p in kept]),
        targets=np.array([classifier.classes.index(p.target) for p in kept], dtype=int),
        probabilities=np.array([cached[p.image_id][0] for p in kept], dtype=np.float64).reshape(len(kept), -1),
        embeddings=np.array([cached[p.image_id][1] for p in kept], dtype=np.float32).reshape(len(kept), -1),
        classes=list(classifier.classes),
        model_version=digest,
    )


def cross_validation_features(cv_dir: str | Path, *, folds: int, mirror: bool,
                              cv_folds: list[int] | None = None) -> Features:
    """Every photo's out-of-fold outputs from `cross_validate_garment_model`: each comes from
    the fold model that never saw its sender, so all senders take part, not only one split's.
    `cv_folds` takes only those folds' photos (a recipe tried on part of the folds)."""
    parts = load_outputs(Path(cv_dir), cv_folds or folds)
    key = "probabilities_mirror" if mirror else "probabilities"
    return Features(
        image_ids=[str(i) for part in parts for i in part["image_ids"]],
        senders=np.concatenate([part["senders"] for part in parts]).astype(str),
        labels=np.concatenate([part["labels"] for part in parts]).astype(str),
        targets=np.concatenate([part["targets"] for part in parts]).astype(int),
        probabilities=np.concatenate([part[key] for part in parts]).astype(np.float64),
        embeddings=np.concatenate([part["embeddings"] for part in parts]).astype(np.float32),
        classes=[str(name) for name in parts[0]["classes"]],
        model_version=(f"cross-validation of {folds} folds" if not cv_folds else
                       f"fold{'s' * (len(cv_folds) > 1)} {', '.join(map(str, cv_folds))} of a cross-validation")
        + (", mirrored views" if mirror else ""),
    )


def _default_model_dir() -> Path:
    from inference.garment import DEFAULT_WEIGHTS_DIR

    return DEFAULT_WEIGHTS_DIR


def _untempered_step_class():
    from inference import pipeline

    class UntemperedGarmentStep(pipeline.GarmentStep):
        """The product's garment step, keeping the network's own probabilities at full
        precision (the product's fields are tempered and rounded)."""

        def run_batch(self, photos):
            views = [self.model.views(photo.image, photo.segmentation) for photo in photos]
            return [{"raw_probabilities": [float(p) for p in prediction.probabilities],
                     "raw_embedding": [float(v) for v in prediction.embedding]}
                    for prediction in self.model.predict(views, temperature=1.0)]

    return UntemperedGarmentStep


def _untempered_step(location: str):
    return _untempered_step_class()(location)


def _read_cache(path: Path) -> dict:
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        return {image_id: (probabilities, embedding) for image_id, probabilities, embedding
                in zip(data["image_ids"].tolist(), data["probabilities"], data["embeddings"])}


def _write_cache(path: Path, cached: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = sorted(cached)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, image_ids=np.array(ids), probabilities=np.array([cached[i][0] for i in ids], dtype=np.float64),
             embeddings=np.array([cached[i][1] for i in ids], dtype=np.float32))
    tmp.replace(path)


# --- temperature scaling ---------------------------------------------------------------------

def temper(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    from inference.garment import apply_temperature

    return apply_temperature(probabilities, temperature)


def nll(probabilities: np.ndarray, targets: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes."""
    chosen = probabilities[np.arange(len(targets)), targets]
    return float(-np.log(np.clip(chosen, 1e-12, None)).mean())


def ece(probabilities: np.ndarray, targets: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error of the top-1 confidence, `bins` equal-width bins."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == targets
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(total)


def reliability(probabilities: np.ndarray, targets: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per bin: its range, photos, mean confidence and accuracy (None when empty)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == targets
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        rows.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": int(inside.sum()),
                     "confidence": float(confidence[inside].mean()) if inside.any() else None,
                     "accuracy": float(correct[inside].mean()) if inside.any() else None})
    return rows


def fit_temperature(probabilities: np.ndarray, targets: np.ndarray) -> float:
    """The T minimising the NLL (a scan of log T, then golden-section search)."""
    log_p = np.log(np.clip(probabilities, 1e-12, None))

    def loss(log_t):
        logits = log_p / np.exp(log_t)
        logits = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1))
        return float(-(logits[np.arange(len(targets)), targets] - log_norm).mean())

    grid = np.linspace(np.log(0.05), np.log(20), 120)
    best = int(np.argmin([loss(g) for g in grid]))
    low, high = grid[max(0, best - 1)], grid[min(len(grid) - 1, best + 1)]
    ratio = (np.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    for _ in range(60):
        if loss(a) < loss(b):
            high, b = b, a
            a = high - ratio * (high - low)
        else:
            low, a = a, b
            b = low + ratio * (high - low)
    return float(np.exp((low + high) / 2))


def cross_validate_temperature(features: Features, folds: int = FOLDS) -> dict:
    """Per held-out fold: T fitted on the other folds, ECE and NLL before and after; plus
    the cross-fitted calibrated probabilities of every photo (each from its fold's T)."""
    fold = sender_folds(features.senders, folds)
    p, y = features.probabilities, features.targets
    rows, crossfit = [], np.zeros_like(p)
    for k in range(folds):
        held = fold == k
        t = fit_temperature(p[~held], y[~held])
        calibrated = temper(p[held], t)
        crossfit[held] = calibrated
        rows.append({"fold": k, "photos": int(held.sum()), "senders": len(set(features.senders[held])),
                     "temperature": t, "ece_before": ece(p[held], y[held]), "ece_after": ece(calibrated, y[held]),
                     "nll_before": nll(p[held], y[held]), "nll_after": nll(calibrated, y[held])})
    summary = {name: _mean_spread([row[name] for row in rows])
               for name in ("temperature", "ece_before", "ece_after", "nll_before", "nll_after")}
    return {"folds": rows, "summary": summary, "crossfit": crossfit}


def _mean_spread(values) -> dict:
    values = np.asarray(values, dtype=float)
    return {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
            "min": float(values.min()), "max": float(values.max())}


# --- review threshold ------------------------------------------------------------------------

def review_table(probabilities: np.ndarray, targets: np.ndarray, thresholds=THRESHOLDS) -> list[dict]:
    """Per threshold: share of items below it (sent to review), share of the errors among
    them (caught), and top-1 of the items left alone."""
    confidence = probabilities.max(axis=1)
    wrong = probabilities.argmax(axis=1) != targets
    rows = []
    for threshold in thresholds:
        sent = confidence < threshold
        rows.append({"threshold": float(threshold), "sent": float(sent.mean()),
                     "errors_caught": float(wrong[sent].sum() / max(1, wrong.sum())),
                     "accuracy_kept": float((~wrong[~sent]).mean()) if (~sent).any() else None,
                     "errors_unreviewed": float((wrong & ~sent).mean()),
                     "sent_count": int(sent.sum()), "errors_caught_count": int(wrong[sent].sum())})
    return rows


def choose_threshold(table: list[dict], budget: float = REVIEW_SHARE_BUDGET) -> dict:
    """The highest threshold sending at most `budget` of the items to review."""
    allowed = [row for row in table if row["sent"] <= budget]
    chosen = max(allowed, key=lambda row: row["threshold"]) if allowed else min(table, key=lambda r: r["threshold"])
    return {**chosen, "meets_errors_aim": chosen["errors_caught"] >= ERRORS_CAUGHT_AIM}


# --- the reliability plot --------------------------------------------------------------------

def reliability_plot(before: list[dict], after: list[dict], path: Path, *, titles=("before", "after"),
                     notes=("", "")) -> None:
    """Two reliability diagrams side by side (PIL): accuracy per confidence bin against
    the diagonal, with the share of photos per bin underneath."""
    from PIL import Image, ImageDraw, ImageFont

    panel, left_margin, top_margin, gap = 360, 50, 64, 40
    width, height = 2 * panel + 2 * left_margin + gap, top_margin + panel + 140
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    for index, (rows, title, note) in enumerate(zip((before, after), titles, notes)):
        left, top = left_margin + index * (panel + gap), top_margin
        right, bottom = left + panel, top + panel
        for tick in range(0, 11, 2):
            y = bottom - tick / 10 * panel
            x = left + tick / 10 * panel
            draw.line([(left, y), (right, y)], fill=(232, 232, 232))
            draw.line([(x, top), (x, bottom)], fill=(232, 232, 232))
            draw.text((left - 26, y - 6), f"{tick / 10:.1f}", fill="black", font=font)
            draw.text((x - 8, bottom + 5), f"{tick / 10:.1f}", fill="black", font=font)
        total = sum(row["count"] for row in rows) or 1
        histogram_top = bottom + 44
        for row in rows:
            if not row["count"]:
                continue
            x0, x1 = left + row["low"] * panel + 1, left + row["high"] * panel - 1
            y_acc = bottom - row["accuracy"] * panel
            y_conf = bottom - row["confidence"] * panel
            draw.rectangle([x0, y_acc, x1, bottom], fill=(70, 110, 200), outline=(40, 70, 150))
            # The gap to the bin's mean confidence, outlined in red.
            draw.rectangle([x0, min(y_acc, y_conf), x1, max(y_acc, y_conf)], outline=(210, 50, 50))
            share = row["count"] / total
            draw.rectangle([x0, histogram_top, x1, histogram_top + max(1, share * 60)], fill=(150, 150, 150))
        draw.line([(left, bottom), (right, top)], fill=(120, 120, 120), width=1)
        draw.rectangle([left, top, right, bottom], outline="black")
        draw.text((left, top - 50), title, fill="black", font=font)
        draw.text((left, top - 34), note, fill="black", font=font)
        draw.text((left - 26, top - 16), "accuracy", fill="black", font=font)
        draw.text((left + panel // 2 - 48, bottom + 20), "confidence (top-1)", fill="black", font=font)
        draw.text((left, histogram_top + 64), "share of photos per bin", fill=(80, 80, 80), font=font)
    draw.text((left_margin, height - 18), "blue: accuracy of the photos in each confidence bin; red outline: "
              "the gap to their mean confidence (the diagonal is perfect calibration)", fill=(80, 80, 80), font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG", optimize=True)


# --- metadata --------------------------------------------------------------------------------

def write_temperature(model_dir: Path, temperature: float, record: dict) -> None:
    """Puts T and what measured it into the model's metadata.json (keeping its layout)."""
    path = Path(model_dir) / "metadata.json"
    metadata = json.loads(path.read_text())
    metadata["temperature"] = temperature
    metadata["calibration"] = record
    path.write_text(json.dumps(metadata, indent=1, ensure_ascii=False) + "\n")


# --- the owner's corrections: a simulation over the senders ---------------------------------

REVEALS = (0, 3, 10)
REVIEW_SLACK = 0.02
REPEATS = 5
BLEND_GRID = {
    "neighbours": (1, 3, 5, 10, 20),
    "power": (1.0, 2.0, 4.0, 8.0),
    "prior": (0.25, 0.5, 1.0, 2.0, 4.0),
    "max_weight": (0.3, 0.5, 0.7, 0.9, 1.0),
}


@dataclass
class _Draw:
    sender: str
    reveal: int
    repeat: int
    revealed: np.ndarray  # photo indices the owner confirmed
    queries: np.ndarray  # photo indices predicted


def reveal_draws(senders: np.ndarray, *, reveals=REVEALS, repeats: int = REPEATS, seed: int = 0) -> list[_Draw]:
    """For every sender (an owner) and k: k of their photos chosen at random (seeded) are
    confirmed, the rest are predicted. A sender with k photos or fewer has nothing left to
    predict and sits that k out."""
    rng = np.random.default_rng(seed)
    draws = []
    for sender in sorted(set(senders.tolist())):
        photos = np.flatnonzero(senders == sender)
        for reveal in reveals:
            if len(photos) <= reveal:
                continue
            for repeat in range(repeats if reveal else 1):
                order = rng.permutation(photos)
                draws.append(_Draw(sender, reveal, repeat, np.sort(order[:reveal]), np.sort(order[reveal:])))
    return draws


def _blend_outcomes(draws, probabilities, embeddings, targets, blends, *, exclude_above: float | None = None,
                    threshold: float = 0.0):
    """Per blend and draw: (model right, blend right, photos predicted, photos the model
    sends to review, photos sent with the blend: `shown_confidence` below `threshold`),
    in one pass over the draws; votes are shared by blends that differ only in how the
    vote is weighted against the model."""
    from inference.garment import NeighbourBlend

    classes = probabilities.shape[1]
    onehot = np.eye(classes)[targets]
    model_right = probabilities.argmax(axis=1) == targets
    model_sent = probabilities.max(axis=1) < threshold
    out = {blend: np.zeros((len(draws), 5), dtype=int) for blend in blends}
    by_vote = {}
    for blend in blends:
        by_vote.setdefault((blend.neighbours, blend.power), []).append(blend)
    for index, draw in enumerate(draws):
        q, r = draw.queries, draw.revealed
        base, sent = int(model_right[q].sum()), int(model_sent[q].sum())
        if len(r) == 0:
            for blend in blends:
                out[blend][index] = (base, base, len(q), sent, sent)
            continue
        similarities = embeddings[q] @ embeddings[r].T
        if exclude_above is not None:
            similarities = np.where(similarities >= exclude_above, -np.inf, similarities)
        for (neighbours, power), group in by_vote.items():
            shares, strength, _ = NeighbourBlend(neighbours=neighbours, power=power).vote(similarities, onehot[r])
            for blend in group:
                w = blend.weight(strength)[:, None]
                blended = (1 - w) * probabilities[q] + w * shares
                shown = blended.argmax(axis=1)
                out[blend][index] = (base, int((shown == targets[q]).sum()), len(q), sent,
                                     int((shown_confidence(probabilities[q], blended) < threshold).sum()))
    return out


def shown_confidence(model: np.ndarray, blended: np.ndarray) -> np.ndarray:
    """The confidence the closet keeps with a blended category (wardrobe/personalize.py):
    the model's own probability of the class the blend shows."""
    return model[np.arange(len(model)), blended.argmax(axis=1)]


def _gain(outcome: np.ndarray, mask: np.ndarray, per_sender: bool = True) -> float:
    """Top-1 gain of the blend over the model on the draws in `mask`: the mean of the
    senders' own gains (each owner counts once), or over all their photos pooled."""
    rows = outcome[mask]
    if not len(rows):
        return 0.0
    if per_sender:
        return float(((rows[:, 1] - rows[:, 0]) / rows[:, 2]).mean())
    return float((rows[:, 1].sum() - rows[:, 0].sum()) / rows[:, 2].sum())


def simulate_personalisation(features: Features, probabilities: np.ndarray, *, folds: int = FOLDS,
                             reveals=REVEALS, repeats: int = REPEATS, seed: int = 0,
                             duplicate_similarity: float | None = None, threshold: float | None = None,
                             per_sender: bool = True, review_slack: float = REVIEW_SLACK,
                             log: Callable[[str], None] = print) -> dict:
    """Each validation sender is an owner who confirmed k of their photos; the others are
    predicted with and without the blend. The blend's parameters are chosen on the other
    folds' senders (nested, sender-grouped: the held-out figures never saw their own
    choice), then once on all senders for shipping. `probabilities` are the calibrated
    ones (cross-fitted: each photo's from the temperature of the other folds).

    The objective is the mean top-1 gain over k > 0, of each sender's own gain averaged
    over the senders (`per_sender`: one sender holds most of the validation photos, and
    pooling their photos would tune the blend to that one person); figures are given
    both ways. With a review `threshold`, only blends that send at most `review_slack`
    more of the predicted photos to review than the model alone are candidates, by the
    confidence the closet keeps (`shown_confidence`): a blend must not buy its gain with
    the admins' time."""
    import itertools

    from inference.garment import NeighbourBlend

    targets, embeddings, senders = features.targets, features.embeddings, features.senders
    draws = reveal_draws(senders, reveals=reveals, repeats=repeats, seed=seed)
    blends = [NeighbourBlend(*values) for values in itertools.product(*BLEND_GRID.values())]
    log(f"personalisation: {len(blends)} blends x {len(draws)} draws")
    outcomes = _blend_outcomes(draws, probabilities, embeddings, targets, blends, threshold=threshold or 0.0)
    fold_of = dict(zip(senders.tolist(), sender_folds(senders, folds).tolist()))
    draw_fold = np.array([fold_of[d.sender] for d in draws])
    draw_reveal = np.array([d.reveal for d in draws])
    draw_repeat = np.array([d.repeat for d in draws])
    with_neighbours = draw_reveal > 0

    def score(blend, mask):
        rows = outcomes[blend][mask]
        extra_review = (rows[:, 4].sum() - rows[:, 3].sum()) / max(1, rows[:, 2].sum())
        allowed = threshold is None or extra_review <= review_slack
        return (allowed, float(np.mean([_gain(outcomes[blend], mask & (draw_reveal == k), per_sender)
                                        for k in reveals if k > 0])), -blend.max_weight)

    held_out = np.zeros((len(draws), 5), dtype=int)
    chosen_per_fold = []
    for fold in range(folds):
        train = (draw_fold != fold) & with_neighbours
        best = max(blends, key=lambda blend: score(blend, train))
        chosen_per_fold.append(best)
        held_out[draw_fold == fold] = outcomes[best][draw_fold == fold]
    shipped = max(blends, key=lambda blend: score(blend, with_neighbours))

    def per_reveal(outcome):
        rows = {}
        for k in reveals:
            at_k = draw_reveal == k
            if not at_k.any():
                continue  # no sender has more than k photos
            model, blended, model_s, blended_s, sent_model, sent_blend = [], [], [], [], [], []
            for repeat in sorted(set(draw_repeat[at_k].tolist())):
                sel = outcome[at_k & (draw_repeat == repeat)]
                sent_model.append(sel[:, 3].sum() / sel[:, 2].sum())
                sent_blend.append(sel[:, 4].sum() / sel[:, 2].sum())
                model.append(sel[:, 0].sum() / sel[:, 2].sum())
                blended.append(sel[:, 1].sum() / sel[:, 2].sum())
                model_s.append((sel[:, 0] / sel[:, 2]).mean())
                blended_s.append((sel[:, 1] / sel[:, 2]).mean())
            sel = outcome[at_k & (draw_repeat == 0)]
            rows[str(k)] = {
                "senders": len({d.sender for d, a in zip(draws, at_k) if a}),
                "predicted_photos": int(sel[:, 2].sum()),
                "largest_sender_photos": int(sel[:, 2].max()),
                "repeats": len(model),
                "top1_model": _mean_spread(model), "top1_blend": _mean_spread(blended),
                "gain": _mean_spread(np.array(blended) - np.array(model)),
                "per_sender": {"top1_model": _mean_spread(model_s), "top1_blend": _mean_spread(blended_s),
                               "gain": _mean_spread(np.array(blended_s) - np.array(model_s))},
            }
            if threshold is not None:
                rows[str(k)]["sent_to_review"] = {"model": _mean_spread(sent_model), "blend": _mean_spread(sent_blend)}
        return rows

    result = {
        "reveals": list(reveals), "repeats": repeats, "folds": folds, "seed": seed,
        "objective": "mean over k > 0 of the top-1 gain, " + (
            "each sender's own gain averaged over the senders" if per_sender else "over all predicted photos pooled")
        + ("" if threshold is None else f", among blends sending at most {review_slack:.0%} more of the predicted "
           f"photos to review (confidence below {threshold}) than the model alone"),
        "grid": {name: list(values) for name, values in BLEND_GRID.items()},
        "held_out": per_reveal(held_out),
        "chosen_per_fold": [_blend_dict(blend) for blend in chosen_per_fold],
        "parameters": _blend_dict(shipped),
        "in_sample": per_reveal(outcomes[shipped]),
    }
    if duplicate_similarity is not None:
        # The same garment photographed twice would make the vote easy; the closet flags
        # such photos as duplicates. Without confirmed items that close to the photo:
        no_copies = _blend_outcomes(draws, probabilities, embeddings, targets, [shipped],
                                    exclude_above=duplicate_similarity, threshold=threshold or 0.0)[shipped]
        result["without_near_copies"] = {"similarity_below": duplicate_similarity, **per_reveal(no_copies)}
    if threshold is not None:
        result["review"] = _review_with_blend(draws, probabilities, embeddings, targets, shipped, threshold, reveals)
    return result


def _blend_dict(blend) -> dict:
    return {"neighbours": blend.neighbours, "power": blend.power, "prior": blend.prior, "max_weight": blend.max_weight}


def _review_with_blend(draws, probabilities, embeddings, targets, blend, threshold, reveals) -> dict:
    """At the review threshold: share of predicted photos sent to review and share of
    errors caught, with the model's confidences and with the blend's (repeat 0 of each k)."""
    onehot = np.eye(probabilities.shape[1])[targets]
    rows = {}
    for k in reveals:
        model_p, blend_p, truth = [], [], []
        for draw in draws:
            if draw.reveal != k or draw.repeat != 0:
                continue
            q = draw.queries
            if len(draw.revealed):
                blended, _, _ = blend.blend(probabilities[q], embeddings[q] @ embeddings[draw.revealed].T,
                                            onehot[draw.revealed])
            else:
                blended = probabilities[q]
            model_p.append(probabilities[q])
            blend_p.append(blended)
            truth.append(targets[q])
        if not truth:
            continue
        truth = np.concatenate(truth)
        model_p, blend_p = np.concatenate(model_p), np.concatenate(blend_p)
        model_row = review_table(model_p, truth, [threshold])[0]
        # Sent by the confidence the closet keeps; right or wrong by the blend's class.
        sent = shown_confidence(model_p, blend_p) < threshold
        wrong = blend_p.argmax(axis=1) != truth
        blend_row = {"threshold": threshold, "sent": float(sent.mean()),
                     "errors_caught": float(wrong[sent].sum() / max(1, wrong.sum())),
                     "errors_unreviewed": float((wrong & ~sent).mean()),
                     "sent_count": int(sent.sum()), "errors_caught_count": int(wrong[sent].sum())}
        # What the blended probability itself would do as the review signal.
        blended_row = review_table(blend_p, truth, [threshold])[0]
        rows[str(k)] = {"model": model_row, "blend": blend_row, "blend_by_blended_confidence": blended_row}
    return {"threshold": threshold, "by_reveal": rows}

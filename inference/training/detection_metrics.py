"""Detection metrics: precision, recall, AP50 and AP50-95 per class (COCO's 101-point
interpolated average precision), and the image-level rates a person notices: stained
photos found, clean photos flagged."""

import numpy as np

IOU_THRESHOLDS = np.round(np.arange(0.5, 0.96, 0.05), 2)


def iou(box, boxes: np.ndarray) -> np.ndarray:
    if not len(boxes):
        return np.zeros(0)
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    overlap = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return overlap / np.maximum(area + areas - overlap, 1e-12)


def _matches(predictions, truths, threshold: float) -> list[bool]:
    """Greedy, strongest prediction first: True where a prediction finds an unmatched truth."""
    taken, hits = np.zeros(len(truths), bool), []
    truth_boxes = np.array([t for t in truths], dtype=float).reshape(-1, 4)
    for box in predictions:
        overlaps = iou(box, truth_boxes)
        overlaps[taken] = 0
        best = int(overlaps.argmax()) if len(overlaps) else -1
        hit = best >= 0 and overlaps[best] >= threshold
        if hit:
            taken[best] = True
        hits.append(bool(hit))
    return hits


def average_precision(hits: np.ndarray, n_truths: int) -> float:
    if n_truths == 0:
        return float("nan")
    if not len(hits):
        return 0.0
    true_positives = np.cumsum(hits)
    precision = true_positives / np.arange(1, len(hits) + 1)
    recall = true_positives / n_truths
    # Precision made monotone, read at 101 recall points.
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    points = np.linspace(0, 1, 101)
    indices = np.searchsorted(recall, points, side="left")
    return float(np.mean([envelope[i] if i < len(envelope) else 0.0 for i in indices]))


def evaluate(images: list[dict], classes: list[str], *, confidence_threshold: float) -> dict:
    """`images`: [{"truths": [(class, box)], "predictions": [(class, confidence, box)]}],
    boxes as (x0, y0, x1, y1) in one unit per image. Precision and recall are at the
    threshold; AP over every prediction given."""
    per_class = {}
    for cls, name in enumerate(classes):
        n_truths = sum(1 for image in images for c, _ in image["truths"] if c == cls)
        scored = {threshold: [] for threshold in IOU_THRESHOLDS}
        for image in images:
            predictions = sorted(((conf, box) for c, conf, box in image["predictions"] if c == cls), key=lambda p: -p[0])
            truths = [box for c, box in image["truths"] if c == cls]
            for threshold in IOU_THRESHOLDS:
                hits = _matches([box for _, box in predictions], truths, threshold)
                scored[threshold] += [(conf, hit) for (conf, _), hit in zip(predictions, hits)]
        aps = []
        for threshold in IOU_THRESHOLDS:
            ranked = sorted(scored[threshold], key=lambda s: -s[0])
            aps.append(average_precision(np.array([hit for _, hit in ranked], bool), n_truths))
        at_50 = [(conf, hit) for conf, hit in scored[IOU_THRESHOLDS[0]] if conf >= confidence_threshold]
        found = sum(hit for _, hit in at_50)
        per_class[name] = {
            "truths": n_truths, "predictions": len(at_50),
            "precision": found / len(at_50) if at_50 else float("nan"),
            "recall": found / n_truths if n_truths else float("nan"),
            "map50": aps[0], "map50_95": float(np.mean(aps)) if n_truths else float("nan"),
        }
    present = [m for m in per_class.values() if m["truths"]]
    flagged = [any(conf >= confidence_threshold for _, conf, _ in image["predictions"]) for image in images]
    stained = [bool(image["truths"]) for image in images]
    n_stained, n_clean = sum(stained), len(stained) - sum(stained)
    all_predictions = sum(m["predictions"] for m in per_class.values())
    all_found = sum(round(m["precision"] * m["predictions"]) for m in per_class.values() if m["predictions"])
    all_truths = sum(m["truths"] for m in per_class.values())
    return {
        "images": len(images), "stained_images": n_stained, "clean_images": n_clean,
        "precision": all_found / all_predictions if all_predictions else float("nan"),
        "recall": all_found / all_truths if all_truths else float("nan"),
        "map50": float(np.mean([m["map50"] for m in present])) if present else float("nan"),
        "map50_95": float(np.mean([m["map50_95"] for m in present])) if present else float("nan"),
        "image_recall": sum(f and s for f, s in zip(flagged, stained)) / n_stained if n_stained else float("nan"),
        "clean_flag_rate": sum(f and not s for f, s in zip(flagged, stained)) / n_clean if n_clean else float("nan"),
        "per_class": per_class,
    }

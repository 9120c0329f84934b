"""Classification metrics: top-k accuracy, per-class precision/recall/F1, confusion matrix."""

from typing import Sequence

import numpy as np


def confusion_matrix(true: Sequence[int], predicted: Sequence[int], num_classes: int) -> np.ndarray:
    """Rows are the true class, columns the predicted one."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


def per_class_scores(matrix: np.ndarray, class_names: Sequence[str]) -> dict[str, dict]:
    scores = {}
    for index, name in enumerate(class_names):
        true_positive = int(matrix[index, index])
        predicted = int(matrix[:, index].sum())
        support = int(matrix[index, :].sum())
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = {
            "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4), "support": support,
        }
    return scores


def top_k_accuracy(true: Sequence[int], probabilities: np.ndarray, k: int) -> float:
    if len(true) == 0:
        return 0.0
    top = np.argsort(-probabilities, axis=1)[:, :k]
    return float(np.mean([label in row for label, row in zip(true, top)]))


def classification_report(
    true: Sequence[int], probabilities: np.ndarray, class_names: Sequence[str],
    *, subset: Sequence[bool] | None = None,
) -> dict:
    """Everything the evaluation prints; `subset` marks the rows of the *_main10 figures."""
    true = np.asarray(true, dtype=np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(len(true), len(class_names))
    predicted = probabilities.argmax(axis=1) if len(true) else np.zeros(0, np.int64)
    matrix = confusion_matrix(true, predicted, len(class_names))
    per_class = per_class_scores(matrix, class_names)
    present = [scores["f1"] for scores in per_class.values() if scores["support"]]
    report = {
        "count": int(len(true)),
        "top1": round(top_k_accuracy(true, probabilities, 1), 4),
        "top3": round(top_k_accuracy(true, probabilities, 3), 4),
        "macro_f1": round(float(np.mean(present)) if present else 0.0, 4),
        "per_class": per_class,
        "classes": list(class_names),
        "confusion_matrix": matrix.tolist(),
    }
    if subset is not None:
        mask = np.asarray(subset, dtype=bool)
        report["count_main10"] = int(mask.sum())
        report["top1_main10"] = round(top_k_accuracy(true[mask], probabilities[mask], 1), 4)
        report["top3_main10"] = round(top_k_accuracy(true[mask], probabilities[mask], 3), 4)
    return report


def format_report(report: dict) -> str:
    """The report as plain text tables."""
    names = report["classes"]
    width = max(len(name) for name in names)
    lines = [f"{'class':<{width}}  precision  recall     f1  support"]
    for name in names:
        s = report["per_class"][name]
        lines.append(f"{name:<{width}}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}")
    lines.append("")
    summary = ["top1", "top3", "macro_f1", "top1_main10", "top3_main10"]
    lines.append("  ".join(f"{key}={report[key]:.4f}" for key in summary if key in report)
                 + f"  (n={report['count']})")
    lines.append("")
    lines.append("confusion matrix (rows: true, columns: predicted)")
    short = [name[:6] for name in names]
    lines.append(" " * (width + 2) + " ".join(f"{s:>6}" for s in short))
    for name, row in zip(names, report["confusion_matrix"]):
        lines.append(f"{name:<{width}}  " + " ".join(f"{value:6d}" for value in row))
    return "\n".join(lines)

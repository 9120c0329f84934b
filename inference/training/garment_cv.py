"""Sender-grouped k-fold cross-validation of the garment model's training recipe.

Each fold trains the recipe on the other folds' senders and runs the exported model
through the product's classifier on its own senders (`validation_outputs.npz`, written
by `train`). Together the folds give every photo an out-of-fold prediction: the
recipe's estimate as mean ± spread over the folds, what test-time choices (mirrored
views) are worth, and confidences to calibrate on photos no model trained on.
"""

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from inference.training.labels import MAIN_LABELS
from inference.training.metrics import classification_report

REPORTED = ("top1", "top3", "macro_f1", "top1_main10", "top3_main10")
VARIANTS = {"plain": "probabilities", "mirror": "probabilities_mirror"}


def fold_dir(out_dir: Path, fold: int) -> Path:
    return Path(out_dir) / f"fold-{fold}"


def run_folds(config, *, folds: int, only: list[int] | None = None, log: Callable[[str], None] = print,
              command: str = "") -> list[dict]:
    """Trains each fold (of `only`, when given) not trained yet (a stopped run resumes where it was)."""
    from inference.training.garment import train

    trained = []
    for fold in (range(folds) if only is None else only):
        out = fold_dir(config.out_dir, fold)
        if (out / "validation_outputs.npz").is_file():
            log(f"fold {fold + 1}/{folds}: already trained in {out}")
            continue
        log(f"fold {fold + 1}/{folds}: training in {out}")
        trained.append(train(replace(config, folds=folds, fold=fold, out_dir=out), log=log,
                             command=f"{command} (fold {fold + 1} of {folds})"))
    return trained


def load_outputs(out_dir: Path, folds: int | list[int]) -> list[dict]:
    outputs = []
    for fold in (range(folds) if isinstance(folds, int) else folds):
        with np.load(fold_dir(out_dir, fold) / "validation_outputs.npz") as data:
            outputs.append({name: data[name] for name in data.files})
        metadata = json.loads((fold_dir(out_dir, fold) / "metadata.json").read_text())
        outputs[-1]["training_seconds"] = metadata.get("training_seconds")
        outputs[-1]["history"] = metadata.get("history", [])
    return outputs


def summarise(outputs: list[dict]) -> dict:
    """Per fold and variant the product's figures, their mean and spread, and the pooled
    out-of-fold figures."""
    classes = [str(name) for name in outputs[0]["classes"]]
    result = {"folds": len(outputs), "photos": int(sum(len(o["targets"]) for o in outputs)),
              "per_fold": [], "variants": {}}
    for index, output in enumerate(outputs):
        result["per_fold"].append({"fold": index, "photos": int(len(output["targets"])),
                                   "senders": len(set(output["senders"].tolist())),
                                   "training_seconds": output["training_seconds"]})
    epochs = min(len(o["history"]) for o in outputs)
    # Training's own per-epoch validation (the torch model, whole photo and cut-out): how
    # the held-out figures move with the schedule's length.
    result["epochs"] = [
        {"epoch": epoch + 1, **{name: round(float(np.mean([o["history"][epoch][name] for o in outputs])), 4)
                                for name in ("top1", "macro_f1", "top1_main10", "top3_main10")}}
        for epoch in range(epochs)]
    for variant, key in VARIANTS.items():
        reports = [_report(o["targets"], o[key], classes, o["labels"]) for o in outputs]
        pooled = _report(np.concatenate([o["targets"] for o in outputs]), np.concatenate([o[key] for o in outputs]),
                         classes, np.concatenate([o["labels"] for o in outputs]))
        result["variants"][variant] = {
            "per_fold": [{name: report[name] for name in REPORTED} for report in reports],
            "mean": {name: round(float(np.mean([r[name] for r in reports])), 4) for name in REPORTED},
            "std": {name: round(float(np.std([r[name] for r in reports], ddof=1)), 4) if len(reports) > 1 else 0.0
                    for name in REPORTED},
            "pooled": {name: pooled[name] for name in REPORTED},
            "pooled_per_class": pooled["per_class"],
        }
    return result


def compare(trial: list[dict], folds: list[int], baseline: dict) -> dict:
    """A recipe's folds against a recorded cross-validation (`cv.json`) of the same folds: each
    fold's main-10 top-1 of both, with and without mirrored views, and the trial's gain. Two
    recipes on the same senders differ less than folds do, so the pairs tell more than the means."""
    classes = [str(name) for name in trial[0]["classes"]]
    rows = []
    for fold, output in zip(folds, trial):
        row = {"fold": fold}
        for variant, key in VARIANTS.items():
            ours = _report(output["targets"], output[key], classes, output["labels"])["top1_main10"]
            theirs = baseline["variants"][variant]["per_fold"][fold]["top1_main10"]
            row[variant] = {"baseline": theirs, "trial": ours, "gain": round(ours - theirs, 4)}
        rows.append(row)
    return {"baseline_command": baseline["command"], "folds": folds, "per_fold": rows,
            "mean_gain": {variant: round(float(np.mean([row[variant]["gain"] for row in rows])), 4)
                          for variant in VARIANTS}}


def trial_section(trials: list[dict]) -> list[str]:
    """The card's record of recipes tried against the shipped one, fold by fold; a recipe is
    kept only when it gains on every fold it was measured on, mirrored views included."""
    lines = ["## Recipes tried by cross-validation", "",
             "Each trained on the same sender-grouped folds as the cross-validation above (not always all "
             "of them: a fold costs about half an hour here) and measured the same way; main-10 top-1 of "
             "the shipped recipe -> the trial's, plain / with mirrored views.", "",
             "| trial | fold | plain | mirrored | kept |", "|---|---|---|---|---|"]
    for trial in trials:
        for index, row in enumerate(trial["per_fold"]):
            cells = [f"{row[v]['baseline']:.4f} -> {row[v]['trial']:.4f} ({row[v]['gain']:+.4f})" for v in VARIANTS]
            first = index == 0
            lines.append(f"| {'`' + trial['command'] + '`' if first else ''} | {row['fold']} | {cells[0]} | "
                         f"{cells[1]} | {('yes' if kept(trial) else 'no') if first else ''} |")
        lines.append(f"| | mean gain | {trial['mean_gain']['plain']:+.4f} | {trial['mean_gain']['mirror']:+.4f} | |")
        if (folds := re.search(r"--folds (\d+)", trial["command"])) and len(trial["per_fold"]) == int(folds.group(1)):
            lines.append("| | trial, mean ± sd | " + " | ".join(
                _mean_sd([row[v]["trial"] for row in trial["per_fold"]]) for v in VARIANTS) + " | |")
    for note in (trial["note"] for trial in trials if trial.get("note")):
        lines += ["", note]  # a paragraph each
    return lines


def kept(trial: dict) -> bool:
    return all(row[variant]["gain"] > 0 for row in trial["per_fold"] for variant in VARIANTS)


def recipe(command: str) -> dict[str, str]:
    """The training recipe's options in a recorded command; an option added after the command
    was run had its default then."""
    from inference.training.garment import RECIPE

    options = dict(re.findall(r"--([a-z-]+) (\S+)", command))
    return {flag: options.get(flag, str(default)) for flag, default in
            ((name.replace("_", "-"), default) for name, default in RECIPE)}


def _mean_sd(values: list[float]) -> str:
    return f"{np.mean(values):.4f} ± {np.std(values, ddof=1):.4f}"


def _report(targets, probabilities, classes, labels):
    return classification_report(targets, probabilities, classes, subset=[str(label) in MAIN_LABELS for label in labels])


def card_section(summary: dict) -> list[str]:
    """The model card's cross-validation section, from `cv.json`."""
    plain, mirror = summary["variants"]["plain"], summary["variants"]["mirror"]

    def cell(figures, name):
        return f"{figures['mean'][name]:.4f} ± {figures['std'][name]:.4f}"

    lines = [
        "## Cross-validation (sender-grouped)",
        "",
        f"Every sender's photos in one of {summary['folds']} folds (senders dealt so the folds hold about "
        f"the same number of photos); each fold's model trained by the recipe on the other folds and measured "
        f"through the product's classifier on its own senders: {summary['photos']} photos, every one predicted "
        "by a model that never saw its sender. Mean ± sample standard deviation over the folds.",
        "",
        "```",
        summary["command"],
        "```",
        "",
        "| views | top-1 | top-3 | macro F1 | main-10 top-1 | main-10 top-3 |",
        "|---|---|---|---|---|---|",
        "| full + cut-out | " + " | ".join(cell(plain, name) for name in REPORTED) + " |",
        "| and their mirror images | " + " | ".join(cell(mirror, name) for name in REPORTED) + " |",
        "",
        "| fold | photos | senders | minutes | main-10 top-1 | main-10 top-1 mirrored |",
        "|---|---|---|---|---|---|",
    ]
    for fold, plain_row, mirror_row in zip(summary["per_fold"], plain["per_fold"], mirror["per_fold"]):
        minutes = f"{fold['training_seconds'] / 60:.0f}" if fold.get("training_seconds") else "—"
        lines.append(f"| {fold['fold']} | {fold['photos']} | {fold['senders']} | {minutes} | "
                     f"{plain_row['top1_main10']} | {mirror_row['top1_main10']} |")
    lines += ["", "By epoch, the mean over the folds of training's own validation pass (torch, no mirror):", "",
              "| epoch | top-1 | macro F1 | main-10 top-1 | main-10 top-3 |", "|---|---|---|---|---|"]
    lines += [f"| {row['epoch']} | {row['top1']} | {row['macro_f1']} | {row['top1_main10']} | {row['top3_main10']} |"
              for row in summary.get("epochs", [])]
    return lines

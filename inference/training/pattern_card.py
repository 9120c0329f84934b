"""The pattern model's card (inference/weights/pattern/README.md), written from its metadata."""

from pathlib import Path


def _spread(value: dict) -> str:
    if value["mean"] is None:
        return "—"
    return f"{value['mean']:.3f}" + (f" ± {value['sd']:.3f}" if value["sd"] is not None else "")


def write_model_card(out_dir: Path, metadata: dict) -> Path:
    cv = metadata["cross_validation"]
    counts = metadata["class_counts"]
    setting = metadata["setting"]
    calibration = metadata["calibration"]
    pooled = cv["pooled"]
    inputs = {
        "embedding": f"the garment model's embedding (`{metadata['embedding_version']}`, the one the garment step "
                     "already computed, so no second network runs)",
        "texture": f"the texture measures of `inference/pattern.py` (version {metadata['texture_version']}: gradient "
                   "strength and orientation, frequency bands and peaks, colour spread of the garment inside its mask)",
    }
    per_class = pooled["per_class"]
    lines = [
        "# Pattern model", "",
        (f"Softmax regression (numpy, {len(metadata['classes'])} classes: {', '.join(metadata['classes'])}) over "
         + " and ".join(inputs[name] for name in setting["features"].split("+"))
         + f", standardised; L2 {setting['l2']:g}, classes "
         + ("weighted by inverse frequency" if setting["balanced"] else "unweighted")
         + ". Inputs, L2 and weighting were chosen by cross-validation (below) among the embedding, the texture "
           "measures and both."),
        "",
        "## Data", "",
        (f"{metadata['count']} photos of {metadata['senders']} senders of the clothing dataset, labelled by eye "
         f"(`{metadata['labels']}`, method in `data/patterns/README.md`): "
         + ", ".join(f"{name} {counts[name]}" for name in metadata["classes"]) + "."),
        "",
        "## Cross-validation", "",
        (f"Nested, grouped by sender: {cv['folds']} outer folds (seed {cv['seed']}); in each, the inputs "
         "(embedding, texture, both), L2 and class weighting were chosen by an inner cross-validation on the other "
         "folds' senders only, then scored on the held-out senders, so the figures include the cost of choosing. "
         "Mean ± sd over the outer folds:"),
        "",
        "| measure | value |", "|---|---|",
        f"| accuracy | {_spread(cv['accuracy'])} |",
        f"| macro F1 | {_spread(cv['macro_f1'])} |",
        *[f"| recall {name} | {_spread(cv['recall'][name])} |" for name in metadata["classes"]],
        "",
        (f"Confidences: the shipped setting's out-of-fold probabilities ({cv['folds']} folds by sender) are "
         f"temperature-scaled, T = {calibration['temperature']:g} (fitted on all of them; per fold, fitted on the "
         f"other folds: {_spread(calibration['per_fold_temperature'])}). Expected calibration error (15 bins) on "
         f"the held-out fold: {_spread(calibration['ece_before'])} before, {_spread(calibration['ece_after'])} "
         "after."),
        "",
        (f"Read as plain or patterned (any other class), the same predictions score accuracy "
         f"{_spread(cv['plain_or_patterned']['accuracy'])}, macro F1 {_spread(cv['plain_or_patterned']['macro_f1'])}."),
        "",
        (f"Pooled over the folds: accuracy {pooled['accuracy']:.3f}, macro F1 {pooled['macro_f1']:.3f}. "
         "Settings chosen per fold: " + "; ".join(
             f"{c['features']} L2 {c['l2']:g}{' balanced' if c['balanced'] else ''}" for c in cv["chosen"]) + "."),
        "",
        "Best out-of-fold macro F1 of each input set (one level of cross-validation over all photos, so "
         "slightly optimistic): " + ", ".join(f"{k} {v:.3f}" for k, v in metadata["best_macro_f1_by_features"].items())
        + ".",
        "",
        "Pooled over the folds, per class:", "",
        "| class | precision | recall | F1 | photos |", "|---|---|---|---|---|",
        *[f"| {name} | {per_class[name]['precision']:.3f} | {per_class[name]['recall']:.3f} | "
          f"{per_class[name]['f1']:.3f} | {per_class[name]['support']} |" for name in metadata["classes"]],
        "",
        "Pooled confusion matrix (rows: labelled, columns: predicted):", "",
        "| | " + " | ".join(metadata["classes"]) + " |",
        "|---|" + "---|" * len(metadata["classes"]),
        *[f"| {name} | " + " | ".join(str(n) for n in row) + " |"
          for name, row in zip(metadata["classes"], pooled["confusion_matrix"])],
        "",
        "## Training", "",
        "```sh", metadata["command"], "```", "",
        (f"The shipped weights are the chosen setting fitted on all {metadata['count']} photos "
         f"({metadata['training_seconds']:.0f} s, the features read from the per-photo cache under "
         "`var/cache/pattern-features`; without it each photo goes through normalize, segment and garment "
         "first). On a CPU other jobs share, `OMP_NUM_THREADS=1` keeps numpy's threads from fighting them "
         "(20 times faster here). Measure on other labelled photos with "
         "`python manage.py evaluate_pattern_model --data DIR --labels CSV --json`."),
        "",
    ]
    path = out_dir / "README.md"
    path.write_text("\n".join(lines))
    return path

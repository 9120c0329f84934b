"""The defect detector's model card and the contact sheet of its training data."""

import math
from pathlib import Path

from PIL import Image, ImageDraw

from inference.training.defect_synthesis import SynthesisSettings

COLOURS = {0: (230, 40, 40), 1: (40, 200, 60), 2: (40, 120, 240)}
ARCHITECTURE_TEXT = {
    "efficientnet-lite0": "YOLOv8n's PAN neck and Detect head (ultralytics, random weights) on the stride 8, 16 "
                          "and 32 stages of EfficientNet-Lite0 with its ImageNet weights (the garment model's "
                          "start; its stem and first {frozen_blocks} blocks stay frozen)",
    "yolov8n": "ultralytics `yolov8n.yaml`, random weights (no pretrained detector can be downloaded here)",
}


def contact_sheet(images_dir: Path, path: Path, *, count: int = 16, columns: int = 4, tile: int = 240) -> Path:
    """Training photos with their boxes drawn (red stain, green hole, blue tear)."""
    from inference.training.defects import read_yolo_folder

    rows = [row for row in read_yolo_folder(images_dir) if row[1] and not row[0].name.startswith("dirty-")]
    rows = rows[:: max(1, len(rows) // count)][:count]
    tiles = []
    for image_path, truths in rows:
        image = Image.open(image_path).convert("RGB")
        draw = ImageDraw.Draw(image)
        for cls, (x0, y0, x1, y1) in truths:
            draw.rectangle([x0 * image.width, y0 * image.height, x1 * image.width, y1 * image.height],
                           outline=COLOURS[cls], width=2)
        image.thumbnail((tile, tile))
        tiles.append(image)
    sheet = Image.new("RGB", (columns * tile, math.ceil(len(tiles) / columns) * tile), "white")
    for index, image in enumerate(tiles):
        sheet.paste(image, ((index % columns) * tile, (index // columns) * tile))
    sheet.save(path, quality=80)
    return path


def _row(name: str, metrics: dict) -> str:
    def cell(value):
        return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"

    return (f"| {name} | {metrics.get('truths', '')} | {cell(metrics['precision'])} | "
            f"{cell(metrics['recall'])} | {cell(metrics['map50'])} | {cell(metrics['map50_95'])} |")


def _finetune_section(metadata: dict) -> list[str]:
    stage = metadata["finetune"]
    lines = ["", "## Fine-tuning on the real dirty marks", "",
             (f"{stage['epochs']} epochs at a constant learning rate of {metadata['config']['finetune_learning_rate']}, "
              "without mosaic, from the main stage's weights." if stage["epochs"]
              else "None: the main stage alone scored best on the folds below.")]
    if stage["folds"]:
        lines += ["", ("Chosen by folds of the fine-tuning photos (by source): fine-tuned on the other folds, each "
                       "epoch's weights measured on the fold's own whole photos through the product's steps, at the "
                       "threshold chosen on the clean validation photos (epoch 0: the main stage alone). The held-out "
                       "photos play no part. mAP50 on each fold:"), "",
                  "| epoch | " + " | ".join(f"fold {k + 1}" for k in range(len(stage["folds"]))) + " | mean |",
                  "|---" * (len(stage["folds"]) + 2) + "|"]
        for epoch in range(len(stage["folds"][0])):
            scores = [rows[epoch]["map50"] for rows in stage["folds"]]
            lines.append(f"| {epoch} | " + " | ".join(f"{score:.3f}" for score in scores)
                         + f" | {sum(scores) / len(scores):.3f} |")
    return lines


def write_model_card(out_dir: Path, metadata: dict) -> Path:
    data = metadata["data"]
    synthesis = SynthesisSettings()
    sections = [
        "# Stain and damage detector", "",
        (f"- Architecture: {ARCHITECTURE_TEXT[metadata['architecture']].format(**metadata['config'])}; "
         f"{len(metadata['classes'])} classes: {', '.join(metadata['classes'])}."),
        (f"- Input {metadata['image_size']} px (letterboxed); trained on one random "
         f"{metadata['config']['data']['tile_size']} px tile of each photo at that scale. Detections kept at "
         f"confidence ≥ {metadata['confidence_threshold']} (the lowest at which at most 5 % of the clean validation "
         f"photos get a box), NMS IoU {metadata['iou_threshold']}, anywhere on the photo: the garment mask is no "
         "filter, because on close-ups of fabric the segmenter takes a ruler or a label for the subject."),
        "- File: `defects.onnx`, served with onnxruntime by `inference/defects.py`.",
        (f"- Command: `{metadata['command']}` ({metadata['training_minutes']} minutes on this 2-core CPU, data "
        "generation included)."), "",
        "## Data", "",
        ("- **Synthetic** (`inference/training/defect_synthesis.py`): stains (blobs, rings, drips, splashes; dirt, "
        "oil, food, ink, make-up, yellowing, bleach) and damage (holes showing what lies behind, tears) drawn only "
        "inside the U2-Net-p garment mask of the shared clothing photos (CC0), blended multiplicatively so the "
        f"fabric shows through. Settings: up to {synthesis.max_defects} defects a photo, {synthesis.damage_share:.0%} "
        f"of them damage, sizes {synthesis.min_size:.0%}–{synthesis.max_size:.0%} of the garment's width, opacity "
        f"{synthesis.min_opacity}–{synthesis.max_opacity}; a defect that changes the photo by less than "
        f"{synthesis.min_contrast:g}/255 on average (a dark stain on dark fabric) is neither drawn nor labelled."),
        (f"- Split by sender: training {data['train']['stained']} photos with defects and {data['train']['clean']} "
        f"clean; validation (other senders) {data['val']['stained']} with defects and {data['val']['clean']} clean. "
        f"Boxes (stain, hole, tear): training {data['train']['boxes']}, validation {data['val']['boxes']}."),
    ]
    if data.get("dirty_marks"):
        marks = data["dirty_marks"]
        repeats = metadata["config"]["data"]["dirty_marks_repeats"]
        use = (f"fine-tune in a second stage (each as {repeats} tiles, with as many tiles of the main training "
               "split), after a main stage that sees none of them" if metadata.get("finetune")
               else f"fine-tune, repeated {repeats} times in training")
        sections.append(
            f"- **Real** dirty marks: \"dirty_marks_detection-2\" (Roboflow Universe, workspace "
            f"qcdirtymarks-annotation, CC BY 4.0). Split once by source photo (Roboflow's copies of one photo stay "
            f"together): {marks['tune_photos']} photos ({marks['tune_sources']} sources) {use}; "
            f"{marks['heldout_photos']} photos ({marks['heldout_sources']} sources) held out for "
            "evaluation only. Their label, a dirt mark, is the class `stain`.")
    if data["train"].get("pasted_marks"):
        share = metadata["config"]["data"]["pasted_marks_share"]
        sections.append(
            f"- **Pasted real marks** (`inference/training/defect_paste.py`): {share:.0%} of the stained training "
            f"photos also got one or two of the fine-tuning photos' marks ({data['train']['pasted_marks']} in all), "
            "lifted as their change to their own fabric's light and multiplied into the garment inside its mask, "
            "at the size in pixels they had when served (within a factor of 1.4), turned and mirrored at random.")
    if metadata.get("finetune"):
        sections += _finetune_section(metadata)
    sections += ["", "![Training photos with their boxes: red stain, green hole, blue tear](contact_sheet.jpg)", "",
                 "## Metrics", "",
                 ("Measured through the product's steps (normalize, defects), "
                 "`manage.py evaluate_defect_model`; precision and recall at the confidence threshold."), ""]
    for title, key in (("Validation: synthetic defects and clean photos of senders never seen", "validation"),
                       ("Held-out real dirty-mark photos", "dirty_marks_heldout")):
        if key not in metadata["metrics"]:
            continue
        metrics = metadata["metrics"][key]
        sections += [f"### {title}", "", "| class | boxes | P | R | mAP50 | mAP50-95 |", "|---|---|---|---|---|---|"]
        sections += [_row(name, row) for name, row in metrics["per_class"].items() if row["truths"]]
        sections += [_row("all", metrics), "",
                     f"Photos with defects found: {metrics['image_recall']:.3f}; clean photos flagged: "
                     + ("—" if math.isnan(metrics['clean_flag_rate']) else f"{metrics['clean_flag_rate']:.3f}")
                     + f" ({metrics['stained_images']} with defects, {metrics['clean_images']} clean).", ""]
    sections += ["## Limits", "",
                 "- The stain types are drawn, not learnt: the model says `stain`, `hole` or `tear`, never which liquid.",
                 ("- Synthetic stains are not real ones; the real dirty-mark set is small (light shirts in one "
                 "factory). Photos of real stains on other garments will score lower than the validation figure."),
                 ""]
    path = out_dir / "MODEL_CARD.md"
    path.write_text("\n".join(sections))
    return path

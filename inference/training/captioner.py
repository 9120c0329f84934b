"""Fine-tuning a BLIP captioner on (photo, caption) pairs with the Hugging Face Trainer:
loss on held-out photos every epoch, the best epoch kept, early stopping (captioners
over-fit a small set within an epoch or two)."""

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from inference.training.caption_data import CaptionPair


@dataclass(frozen=True)
class FinetuneConfig:
    base_model: str  # hub id or directory
    out_dir: Path
    epochs: int = 5
    batch_size: int = 8
    learning_rate: float = 5e-5
    patience: int = 1  # epochs without a better validation loss before stopping
    val_fraction: float = 0.15
    max_length: int = 40
    seed: int = 0


def split_by_image(pairs: list[CaptionPair], val_fraction: float) -> tuple[list[CaptionPair], list[CaptionPair]]:
    """Validation photos chosen by a hash of the file name: the same photo never lands on
    both sides (a photo may have several captions), and the split does not depend on order."""
    def held_out(pair):
        return int(hashlib.sha256(pair.image.name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < val_fraction

    train = [pair for pair in pairs if not held_out(pair)]
    val = [pair for pair in pairs if held_out(pair)]
    if not val or not train:  # a handful of pairs: still one photo to validate on
        images = sorted({pair.image for pair in pairs})
        if len(images) < 2:
            raise ValueError("Fine-tuning needs captions of at least two photos (one is kept for validation).")
        train = [pair for pair in pairs if pair.image != images[-1]]
        val = [pair for pair in pairs if pair.image == images[-1]]
    return train, val


class _PairDataset:
    def __init__(self, pairs, processor, max_length):
        self.pairs, self.processor, self.max_length = pairs, processor, max_length

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, index):
        from PIL import Image

        pair = self.pairs[index]
        with Image.open(pair.image) as image:
            encoded = self.processor(images=image.convert("RGB"), text=pair.caption, padding="max_length",
                                     truncation=True, max_length=self.max_length, return_tensors="pt")
        encoded = {name: value.squeeze(0) for name, value in encoded.items()}
        labels = encoded["input_ids"].clone()
        labels[encoded["attention_mask"] == 0] = -100  # padding is not a word to learn
        encoded["labels"] = labels
        return encoded


def finetune(config: FinetuneConfig, pairs: list[CaptionPair], *, log: Callable[[str], None], command: str) -> dict:
    import torch
    from transformers import (BlipForConditionalGeneration, BlipProcessor, EarlyStoppingCallback, Trainer,
                              TrainerCallback, TrainingArguments)

    started = time.monotonic()
    train_pairs, val_pairs = split_by_image(pairs, config.val_fraction)
    log(f"{len(train_pairs)} training pairs, {len(val_pairs)} validation pairs "
        f"({len({p.image for p in val_pairs})} photos kept out of training)")
    processor = BlipProcessor.from_pretrained(config.base_model)
    model = BlipForConditionalGeneration.from_pretrained(config.base_model)
    checkpoints = config.out_dir / "checkpoints"

    class EpochLog(TrainerCallback):
        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            log(f"epoch {state.epoch:.0f}: validation loss {metrics['eval_loss']:.4f}")

    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=str(checkpoints), num_train_epochs=config.epochs,
            per_device_train_batch_size=config.batch_size, per_device_eval_batch_size=config.batch_size,
            learning_rate=config.learning_rate, eval_strategy="epoch", save_strategy="epoch",
            logging_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss",
            greater_is_better=False, save_total_limit=2, seed=config.seed, report_to=[],
            remove_unused_columns=False, dataloader_num_workers=0, use_cpu=not torch.cuda.is_available(),
        ),
        train_dataset=_PairDataset(train_pairs, processor, config.max_length),
        eval_dataset=_PairDataset(val_pairs, processor, config.max_length),
        callbacks=[EarlyStoppingCallback(early_stopping_patience=config.patience), EpochLog()],
    )
    trainer.train()
    trainer.save_model(str(config.out_dir))  # the best epoch's weights (load_best_model_at_end)
    processor.save_pretrained(str(config.out_dir))
    shutil.rmtree(checkpoints, ignore_errors=True)
    history = [{"epoch": round(entry["epoch"]), "validation_loss": round(entry["eval_loss"], 4)}
               for entry in trainer.state.log_history if "eval_loss" in entry]
    best = min(history, key=lambda entry: entry["validation_loss"])
    report = {
        "base_model": config.base_model, "command": command,
        "train_pairs": len(train_pairs), "validation_pairs": len(val_pairs),
        "epochs_run": len(history), "best_epoch": best["epoch"], "best_validation_loss": best["validation_loss"],
        "history": history, "training_minutes": round((time.monotonic() - started) / 60, 2),
    }
    (config.out_dir / "training.json").write_text(json.dumps(report, indent=2) + "\n")
    return report

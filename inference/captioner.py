"""The optional image-to-text captioner: a BLIP model through transformers, given as a hub
id (for users with internet, e.g. a Korean fine-tune) or a local directory.

It needs the packages of requirements-train.txt, which the app does not install; the
default captioner (inference/captions.py) needs none. Loaded once per worker process,
run on batches, on CUDA when there is one.
"""

import functools
import hashlib
from pathlib import Path
from typing import Sequence

from PIL import Image

from inference.runtime import file_digest
from inference.training import training_packages_message

PACKAGES = ("torch", "transformers")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class BlipCaptioner:
    def __init__(self, location: str, *, language: str = "en", max_new_tokens: int = 40):
        if language not in ("en", "ko"):
            raise ValueError(f"CAPTION_MODEL_LANGUAGE is {language!r}: en or ko, the language the model writes")
        problem = training_packages_message(PACKAGES)
        if problem:
            raise RuntimeError(f"CAPTION_MODEL is set, but: {problem}")
        import torch
        from transformers import BlipForConditionalGeneration, BlipProcessor

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.processor = BlipProcessor.from_pretrained(location)
        self.model = BlipForConditionalGeneration.from_pretrained(location).to(self.device).eval()
        self.language = language
        self.max_new_tokens = max_new_tokens
        self.name = f"blip:{Path(location).name if Path(location).is_dir() else location}"
        self.version = _version(location, self.model)

    def predict(self, images: Sequence[Image.Image], *, prompt: str = "", batch_size: int = 8) -> list[str]:
        """One caption per image; with a prompt (BLIP's conditional captioning) the model
        continues it, and the caption is the whole sentence."""
        import torch

        captions = []
        for start in range(0, len(images), batch_size):
            batch = [image.convert("RGB") for image in images[start:start + batch_size]]
            text = [prompt] * len(batch) if prompt else None
            inputs = self.processor(images=batch, text=text, return_tensors="pt").to(self.device)
            with torch.inference_mode():
                tokens = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens)
            captions += [_sentence(text) for text in self.processor.batch_decode(tokens, skip_special_tokens=True)]
        return captions


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def _version(location: str, model) -> str:
    """The weights' content hash for a directory; the hub's commit for a hub id."""
    directory = Path(location)
    for name in WEIGHT_FILES:
        if (directory / name).is_file():
            return file_digest(directory / name)
    commit = getattr(model.config, "_commit_hash", None)
    return commit[:12] if commit else hashlib.sha256(location.encode()).hexdigest()[:12]


@functools.cache
def load(location: str, language: str = "en") -> BlipCaptioner:
    return BlipCaptioner(location, language=language)

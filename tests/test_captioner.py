"""The transformers (BLIP) caption backend, through a tiny randomly initialised BLIP built
here: the real loading, batched generation, fine-tuning and evaluation code. Its sentences
are nonsense; what is tested is where they go and what is recorded."""

import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from tests.conftest import FIXTURES

pytest.importorskip("transformers", reason="the caption backend needs requirements-train.txt")

WORDS = ("a photo of the blue red white black gray shirt t-shirt dress coat jeans pants shoes hat "
         "with stain hole on left right").split()
PHOTOS = sorted((FIXTURES / "garments" / "images").glob("*.jpg"))


@pytest.fixture(scope="module")
def tiny_blip(tmp_path_factory):
    import torch
    from transformers import (BertTokenizerFast, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor,
                              BlipProcessor)

    directory = tmp_path_factory.mktemp("blip")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    tokenizer = BertTokenizerFast(vocab={word: i for i, word in enumerate(vocab)}, do_lower_case=True)
    tokenizer.bos_token = "[CLS]"  # BLIP starts its captions with the tokenizer's BOS
    processor = BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}),
                              tokenizer=tokenizer)
    torch.manual_seed(0)
    config = BlipConfig(
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                       "num_attention_heads": 2, "image_size": 32, "patch_size": 8},
        text_config={"vocab_size": len(vocab), "hidden_size": 32, "intermediate_size": 64,
                     "num_hidden_layers": 1, "num_attention_heads": 2, "max_position_embeddings": 64,
                     "pad_token_id": 0, "bos_token_id": 2, "sep_token_id": 3, "eos_token_id": 3},
        projection_dim=32)
    BlipForConditionalGeneration(config).save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory


@pytest.fixture
def pairs_file(tmp_path):
    """The seed's format: one line per (photo, caption); the first photo has two captions."""
    lines = [{"image": PHOTOS[0].name, "caption": "a blue shirt"},
             {"image": PHOTOS[0].name, "caption": "a blue shirt with a stain"}]
    lines += [{"image": photo.name, "caption": f"a {word} coat"} for photo, word in zip(PHOTOS[1:6], WORDS[4:])]
    path = tmp_path / "captions.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_loads_once_and_captions_a_batch(tiny_blip):
    from inference import captioner

    model = captioner.load(str(tiny_blip))
    assert captioner.load(str(tiny_blip)) is model
    assert model.name == "blip:" + tiny_blip.name and len(model.version) == 12
    assert model.device == "cpu"  # no GPU here; CUDA when torch sees one
    images = [Image.open(photo) for photo in PHOTOS[:3]]
    captions = model.predict(images, batch_size=2)
    assert len(captions) == 3 and all(isinstance(text, str) and text for text in captions)
    prompted = model.predict(images[:1], prompt="a photo of")
    assert prompted[0].lower().startswith("a photo of")


def test_the_model_writes_its_language_and_the_other_is_composed(tiny_blip):
    from inference import pipeline

    step = pipeline.CaptionStep(str(tiny_blip), model_language="en")
    steps = [pipeline.NormalizeStep(), pipeline.ColorsStep(), step]
    result = pipeline.run(PHOTOS[0].read_bytes(), steps)
    assert result.ok, result.error
    english, korean = result.fields["caption"]["en"], result.fields["caption"]["ko"]
    assert set(english.lower().split()) <= set(WORDS)  # the model's words
    from inference.captions import VERSION, compose

    assert korean == compose(colors=result.fields["colors"])["ko"]
    record = result.steps["caption"]
    assert record.model_name == f"blip:{tiny_blip.name}+compose"
    assert record.version.startswith(step.model.version) and record.version.endswith(VERSION)


def test_a_korean_model_fills_the_korean_caption(tiny_blip):
    from inference import captioner, pipeline

    captioner.load.cache_clear()
    step = pipeline.CaptionStep(str(tiny_blip), model_language="ko")
    result = pipeline.run(PHOTOS[1].read_bytes(), [pipeline.NormalizeStep(), step])
    assert set(result.fields["caption"]["ko"].lower().split()) <= set(WORDS)
    assert result.fields["caption"]["en"] == "Garment"  # composed from nothing known
    captioner.load.cache_clear()


def test_an_unknown_model_language_is_refused(tiny_blip):
    from inference import captioner

    with pytest.raises(ValueError, match="en or ko"):
        captioner.BlipCaptioner(str(tiny_blip), language="fr")


def test_finetune_keeps_the_best_epoch_and_stops_early(tiny_blip, pairs_file, tmp_path, capsys):
    out = tmp_path / "finetuned"
    call_command("finetune_captioner", "--data", str(pairs_file), "--images", str(PHOTOS[0].parent),
                 "--out", str(out), "--base", str(tiny_blip), "--epochs", "2", "--batch-size", "4",
                 "--learning-rate", "1e-3")
    report = json.loads((out / "training.json").read_text())
    # 6 photos, the validation photos held out whole: two steps of training.
    assert report["train_pairs"] + report["validation_pairs"] == 7
    assert [entry["epoch"] for entry in report["history"]] == [1, 2]
    assert report["best_validation_loss"] == min(entry["validation_loss"] for entry in report["history"])
    assert "epoch 1: validation loss" in capsys.readouterr().out
    assert (out / "model.safetensors").is_file() and not (out / "checkpoints").exists()
    from inference import captioner

    assert captioner.BlipCaptioner(str(out)).predict([Image.open(PHOTOS[0])])


def test_finetune_names_the_line_of_a_bad_pair(tiny_blip, tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text(json.dumps({"image": PHOTOS[0].name, "caption": "ok"}) + "\n"
                    + json.dumps({"image": "missing.jpg", "caption": "x"}) + "\n"
                    + json.dumps({"image": "../../etc/passwd", "caption": "x"}) + "\nnot json\n")
    with pytest.raises(CommandError) as error:
        call_command("finetune_captioner", "--data", str(data), "--images", str(PHOTOS[0].parent),
                     "--out", str(tmp_path / "out"), "--base", str(tiny_blip))
    message = str(error.value)
    assert "line 2: no photo missing.jpg" in message and "line 3" in message and "outside" in message
    assert "line 4: not a JSON object" in message


def test_split_keeps_a_photo_on_one_side():
    from inference.training.caption_data import CaptionPair
    from inference.training.captioner import split_by_image

    pairs = [CaptionPair(photo, f"caption {k}") for photo in PHOTOS for k in range(3)]
    train, val = split_by_image(pairs, 0.3)
    assert val and train
    assert not {p.image for p in train} & {p.image for p in val}
    assert split_by_image(list(reversed(pairs)), 0.3)[1] == list(reversed(val))


def test_evaluate_with_the_model_prints_the_contract_keys(tiny_blip, pairs_file, capsys):
    call_command("evaluate_captioner", "--data", str(pairs_file), "--images", str(PHOTOS[0].parent),
                 "--model", str(tiny_blip), "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"bleu", "rouge_l", "meteor", "count"} <= set(report)
    assert report["count"] == 6 and report["language"] == "en"  # 6 photos, 7 references
    assert all(0 <= report[key] <= 1 for key in ("bleu", "rouge_l", "meteor"))
    assert report["model_version"].startswith(f"blip:{tiny_blip.name}+compose@")


def test_evaluate_scores_the_composed_captions_in_korean(tmp_path, capsys):
    from inference import pipeline

    reference = pipeline.run(PHOTOS[0].read_bytes()).fields["caption"]["ko"]
    data = tmp_path / "ko.jsonl"
    data.write_text(json.dumps({"image": PHOTOS[0].name, "caption": reference}, ensure_ascii=False) + "\n")
    call_command("evaluate_captioner", "--data", str(data), "--images", str(PHOTOS[0].parent),
                 "--model", "", "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["language"] == "ko" and report["tokens"] == "kiwi morphemes"
    assert report["bleu"] == 1.0 and report["rouge_l"] == 1.0 and report["meteor"] > 0.99


def test_metrics_on_known_cases():
    from inference.training.caption_metrics import score, tokenize

    assert score(["a blue shirt with a stain"], [["A blue shirt with a stain."]])["bleu"] == 1.0
    disjoint = score(["a blue shirt"], [["red trousers on the floor"]])
    assert disjoint["bleu"] == disjoint["rouge_l"] == disjoint["meteor"] == 0.0
    # ROUGE-L against the closer of two references: LCS 3 of 3 and 5 words -> F = 0.75.
    assert score(["blue shirt stain"], [["red coat", "blue shirt with a stain"]])["rouge_l"] == 0.75
    # Morphemes: the particle differs, the nouns match.
    assert tokenize("얼룩이 있는 티셔츠", "ko") == ["얼룩", "이", "있", "는", "티셔츠"]
    korean = score(["얼룩은 있는 티셔츠"], [["얼룩이 있는 티셔츠"]])
    assert korean["language"] == "ko" and 0.5 < korean["rouge_l"] < 1.0


def test_finetune_stops_when_the_validation_loss_stops_improving(tiny_blip, pairs_file, tmp_path):
    # A learning rate of 0 leaves the weights, so the validation loss never improves after epoch 1.
    out = tmp_path / "stopped"
    call_command("finetune_captioner", "--data", str(pairs_file), "--images", str(PHOTOS[0].parent),
                 "--out", str(out), "--base", str(tiny_blip), "--epochs", "5", "--batch-size", "4",
                 "--learning-rate", "0", "--patience", "1")
    report = json.loads((out / "training.json").read_text())
    assert report["epochs_run"] == 2 and report["best_epoch"] == 1

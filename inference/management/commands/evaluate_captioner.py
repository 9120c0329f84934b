import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inference.training import training_packages_message

PACKAGES = ("sacrebleu", "rouge_score", "nltk", "kiwipiepy")


class Command(BaseCommand):
    help = ("Captions the photos of a JSON Lines file of (photo, caption) pairs through the product's "
            "pipeline and scores them against the people's captions: BLEU, ROUGE-L and METEOR (0-1; "
            "Korean in Kiwi morphemes). A photo with several lines has several references.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="JSON Lines file of pairs")
        parser.add_argument("--images", required=True, help="folder the pairs' image names are relative to")
        parser.add_argument("--model", default=settings.CAPTION_MODEL,
                            help="BLIP hub id or folder (default: CAPTION_MODEL; '' for the composed captions)")
        parser.add_argument("--model-language", default=settings.CAPTION_MODEL_LANGUAGE, choices=("en", "ko"))
        parser.add_argument("--prompt", default=settings.CAPTION_PROMPT)
        parser.add_argument("--language", choices=("en", "ko"),
                            help="which caption to score (default: the references' language)")
        parser.add_argument("--batch-size", type=int, default=8)
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")

    def handle(self, *args, **options):
        packages = PACKAGES + (("torch", "transformers") if options["model"] else ())
        if message := training_packages_message(packages):
            raise CommandError(message)
        from inference import pipeline
        from inference.training.caption_data import CaptionDataError, read_pairs
        from inference.training.caption_metrics import language_of, score

        try:
            pairs = read_pairs(Path(options["data"]), Path(options["images"]))
        except (OSError, CaptionDataError) as error:
            raise CommandError(str(error)) from error
        references = defaultdict(list)
        for pair in pairs:
            references[pair.image].append(pair.caption)
        language = options["language"] or language_of([pair.caption for pair in pairs])
        caption_step = pipeline.CaptionStep(options["model"], model_language=options["model_language"],
                                            prompt=options["prompt"])
        steps = [step for step in pipeline.default_steps() if step.name != "caption"] + [caption_step]
        images = list(references)
        hypotheses, kept, failures = [], [], 0
        size = max(1, options["batch_size"])
        for start in range(0, len(images), size):
            batch = images[start:start + size]
            for image, result in zip(batch, pipeline.run_batch([path.read_bytes() for path in batch], steps)):
                if not result.ok:
                    failures += 1
                    continue
                hypotheses.append(result.fields["caption"][language])
                kept.append(references[image])
            self.stderr.write(f"  {min(start + size, len(images))}/{len(images)}", ending="\r")
        self.stderr.write("")
        if not hypotheses:
            raise CommandError("no photo could be captioned")
        report = score(hypotheses, kept, language=language)
        report["model_version"] = f"{caption_step.model_name}@{caption_step.version}"
        report["skipped"] = failures
        self.stdout.write(
            f"{report['count']} photos, {language} ({report['tokens']}), {report['model_version']}\n"
            f"BLEU {report['bleu']:.4f}  ROUGE-L {report['rouge_l']:.4f}  METEOR {report['meteor']:.4f}"
            + ("" if report["meteor_synonyms"] else " (METEOR without WordNet synonyms)"))
        if failures:
            self.stdout.write(f"{failures} photos skipped (unreadable)")
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))

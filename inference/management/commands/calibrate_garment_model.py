import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Calibrates the garment model's confidences on its validation photos (the senders it "
            "never trained on) run through the product's pipeline: fits a temperature (sender-grouped "
            "k-fold figures, then on all), tabulates the review threshold, simulates the owner's "
            "confirmed items (wardrobe/personalize.py) and writes the temperature, the chosen blend "
            "and the figures into the model's metadata.json, with a reliability plot.")

    def add_arguments(self, parser):
        parser.add_argument("--data", default=settings.TRAINING_DATA_DIR,
                            help="the dataset the model was trained on (images/ + images.csv)")
        parser.add_argument("--model-dir", default=settings.GARMENT_MODEL_DIR or None,
                            help="garment model folder (default: the shipped model)")
        parser.add_argument("--cache-dir", default=str(Path(settings.BASE_DIR) / "var" / "cache"),
                            help="where the photos' model outputs are kept between runs")
        parser.add_argument("--from-cv", metavar="DIR",
                            help="fit on the out-of-fold outputs of cross_validate_garment_model in DIR "
                                 "(its folds are the folds here) instead of the model's validation split")
        parser.add_argument("--cv-folds", nargs="+", type=int, metavar="FOLD",
                            help="with --from-cv: only these folds' outputs (0-based), for a recipe "
                                 "cross-validated on part of its folds (run with --only-folds)")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--repeats", type=int, default=5, help="random reveals per sender and k")
        parser.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")
        parser.add_argument("--batch-size", type=int, default=8)

    def handle(self, *args, **options):
        from inference.garment import DEFAULT_WEIGHTS_DIR
        from inference.training import calibration as cal

        model_dir = Path(options["model_dir"] or DEFAULT_WEIGHTS_DIR)
        data_dir = Path(options["data"])
        if not (data_dir / "images.csv").is_file():
            raise CommandError(f"{data_dir} has no images.csv")
        metadata = json.loads((model_dir / "metadata.json").read_text())
        if options["cv_folds"] and not options["from_cv"]:
            raise CommandError("--cv-folds needs --from-cv")
        if options["from_cv"]:
            features = cal.cross_validation_features(options["from_cv"], folds=options["folds"],
                                                     mirror=bool(metadata.get("test_time_mirror")),
                                                     cv_folds=options["cv_folds"])
        else:
            photos = cal.validation_photos(data_dir, metadata)
            if len({p.sender for p in photos}) < options["folds"]:
                raise CommandError(f"{len(photos)} validation photos from too few senders for {options['folds']} folds"
                                   " (a model trained on every photo is calibrated with --from-cv)")
            features = cal.build_features(photos, model_dir=options["model_dir"], cache_dir=options["cache_dir"],
                                          batch_size=options["batch_size"], log=self.stderr.write)
        p, y = features.probabilities, features.targets

        cv = cal.cross_validate_temperature(features, options["folds"])
        temperature = round(cal.fit_temperature(p, y), 2)
        calibrated = cal.temper(p, temperature)
        table = cal.review_table(cv["crossfit"], y)
        chosen = cal.choose_threshold(table)
        duplicate = metadata.get("duplicate_similarity", {})
        personal = cal.simulate_personalisation(
            features, cv["crossfit"], folds=options["folds"], repeats=options["repeats"],
            duplicate_similarity=duplicate.get("threshold") if duplicate.get("measured") else None,
            threshold=chosen["threshold"], log=self.stderr.write)

        record = {
            "photos": len(y), "senders": len(set(features.senders.tolist())),
            "model_file": features.model_version,
            "ece_bins": cal.ECE_BINS, "folds": options["folds"],
            "cross_validated": {**cv["summary"], "per_fold": cv["folds"]},
            # Every photo with its own fold's T, pooled (one ECE over all 841 held-out figures).
            "cross_fitted_pooled": {"ece_before": cal.ece(p, y), "ece_after": cal.ece(cv["crossfit"], y),
                                    "nll_before": cal.nll(p, y), "nll_after": cal.nll(cv["crossfit"], y)},
            # In sample: the shipped T on the photos it was fitted on.
            "all_photos": {"ece_before": cal.ece(p, y), "ece_after": cal.ece(calibrated, y),
                           "nll_before": cal.nll(p, y), "nll_after": cal.nll(calibrated, y)},
            "largest_sender_photos": int(max(np.unique(features.senders, return_counts=True)[1])),
            "review": {"rule": f"the highest threshold sending at most {cal.REVIEW_SHARE_BUDGET:.0%} of items "
                               f"to review (aim: catching at least {cal.ERRORS_CAUGHT_AIM:.0%} of errors)",
                       "confidences": "cross-fitted: each fold's photos tempered by the T of the other folds",
                       "table": table, "chosen": chosen,
                       "table_uncalibrated": cal.review_table(p, y)},
            "reliability": {"before": cal.reliability(p, y), "after_cross_fitted": cal.reliability(cv["crossfit"], y)},
        }
        personal_record = {key: value for key, value in personal.items()}
        self._print(temperature, record, personal)
        if not options["dry_run"]:
            cal.write_temperature(model_dir, temperature, record)
            metadata = json.loads((model_dir / "metadata.json").read_text())
            metadata["personalisation"] = personal_record
            (model_dir / "metadata.json").write_text(json.dumps(metadata, indent=1, ensure_ascii=False) + "\n")
            plot = model_dir / "reliability.png"
            summary = cv["summary"]
            cal.reliability_plot(
                record["reliability"]["before"], record["reliability"]["after_cross_fitted"], plot,
                titles=("network's probabilities (T = 1)", f"temperature-scaled (T of the other folds; shipped T = {temperature})"),
                notes=(f"ECE {summary['ece_before']['mean']:.3f}, NLL {summary['nll_before']['mean']:.3f} (fold means)",
                       f"ECE {summary['ece_after']['mean']:.3f}, NLL {summary['nll_after']['mean']:.3f} (fold means)"))
            self.stdout.write(f"wrote the temperature and the blend into {model_dir / 'metadata.json'}, the plot to {plot}")
        if options["json"]:
            self.stdout.write(json.dumps({"temperature": temperature, "calibration": record,
                                          "personalisation": personal_record}, ensure_ascii=False))

    def _print(self, temperature, record, personal):
        summary = record["cross_validated"]

        def ms(entry, digits=4):
            return f"{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}"

        self.stdout.write(f"{record['photos']} validation photos of {record['senders']} senders, "
                          f"model file {record['model_file']}")
        self.stdout.write(f"temperature: {temperature} on all photos; per fold {ms(summary['temperature'], 3)}")
        pooled = record["cross_fitted_pooled"]
        self.stdout.write(f"all photos, each with its fold's T: ECE {pooled['ece_before']:.4f} -> {pooled['ece_after']:.4f}, "
                          f"NLL {pooled['nll_before']:.4f} -> {pooled['nll_after']:.4f}")
        self.stdout.write(f"held-out folds (mean ± sd over {record['folds']}): ECE {ms(summary['ece_before'])} -> "
                          f"{ms(summary['ece_after'])}, NLL {ms(summary['nll_before'])} -> {ms(summary['nll_after'])}")
        for row in summary["per_fold"]:
            self.stdout.write(f"  fold {row['fold']}: {row['photos']} photos, {row['senders']} senders, "
                              f"T {row['temperature']:.3f}, ECE {row['ece_before']:.4f} -> {row['ece_after']:.4f}, "
                              f"NLL {row['nll_before']:.4f} -> {row['nll_after']:.4f}")
        self.stdout.write("threshold  sent to review  errors caught  top-1 of the rest")
        for row in record["review"]["table"]:
            self.stdout.write(f"  {row['threshold']:.2f}     {row['sent']:6.1%} ({row['sent_count']:3d})  "
                              f"{row['errors_caught']:6.1%} ({row['errors_caught_count']:3d})   "
                              f"{row['accuracy_kept'] if row['accuracy_kept'] is None else round(row['accuracy_kept'], 4)}")
        chosen = record["review"]["chosen"]
        self.stdout.write(f"rule: {record['review']['rule']} -> {chosen['threshold']:.2f} "
                          f"({chosen['sent']:.1%} sent, {chosen['errors_caught']:.1%} of errors caught)")
        self.stdout.write(f"personalisation, held out (parameters chosen on the other folds' senders): "
                          f"shipped parameters {personal['parameters']}")
        for k, row in personal["held_out"].items():
            mine = row["per_sender"]
            self.stdout.write(f"  k={k}: {row['senders']} senders, {row['predicted_photos']} photos predicted "
                              f"(the largest sender {row['largest_sender_photos']}); top-1 per sender "
                              f"{ms(mine['top1_model'])} -> {ms(mine['top1_blend'])}, gain {ms(mine['gain'])}; "
                              f"pooled {ms(row['top1_model'])} -> {ms(row['top1_blend'])}, gain {ms(row['gain'])}"
                              + (f"; sent to review {ms(row['sent_to_review']['model'])} -> "
                                 f"{ms(row['sent_to_review']['blend'])}" if "sent_to_review" in row else ""))
        if "without_near_copies" in personal:
            for k, row in personal["without_near_copies"].items():
                if k == "similarity_below":
                    continue
                self.stdout.write(f"  without confirmed near-copies, k={k}: gain per sender "
                                  f"{ms(row['per_sender']['gain'])}, pooled {ms(row['gain'])}")

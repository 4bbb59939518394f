"""Evaluates the digits GAN against real MNIST: `python -m deep_learning.digits_gan.evaluate --checkpoint=...`.

The judge is the independent MNIST classifier (deep_learning/classifiers/checkpoints/mnist.pt, trained
on real digits only, never on generator output). For one-hot samples: per-digit accuracy,
classifier-IS (offline there are no Inception logits), FID/KID on the classifier's penultimate features
and on Inception pool features, each against real training digits ("train") and real test digits
("test"), beside real digits scored the same way. For blends: how the classifier's probabilities follow
the requested mix. Writes metrics.json, metrics.md and samples.png beside the checkpoint and stores the
metrics in the checkpoint's meta, where the backend reads them.
"""

import json
import sys
import time
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch

from deep_learning.classifiers.models import SHIPPED as CLASSIFIERS
from deep_learning.classifiers.models import classify, load_classifier
from deep_learning.common.checkpoint import store_metrics
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.data.mnist import load_mnist
from deep_learning.common.images import from_uint8, save_grid, to_uint8
from deep_learning.common.metrics import scores
from deep_learning.common.paths import REPO_ROOT, model_dir
from deep_learning.digits_gan.config import PRESETS
from deep_learning.digits_gan.config import Config as TrainingConfig
from deep_learning.digits_gan.labels import NUM_DIGITS, one_hot
from deep_learning.digits_gan.models import GENERATOR_KIND, SHIPPED
from deep_learning.digits_gan.pipeline import DigitsPipeline, sample_sheet, training_config

CACHE = model_dir("digits_gan") / "saved" / "eval_cache"  # real-image Inception features (gitignored)
MIX_RATIOS = (0.25, 0.5, 0.75)  # weight of the first digit in the 2-digit blends


@dataclass
class EvalConfig:
    checkpoint: str = str(SHIPPED)  # inference checkpoint to evaluate
    compare: str = ""  # a second inference checkpoint (e.g. the baseline), evaluated the same way
    classifier: str = str(CLASSIFIERS["mnist"])  # the independent judge
    per_digit: int = 500  # one-hot samples per digit (accuracy, IS, classifier FID/KID); real sets match
    inception: int = 500  # images per set for Inception FID/KID: 0.15 s an image on 2 idle cores, 0.8 busy
    mix_samples: int = 20  # samples per requested blend
    seed: int = 0
    out_dir: str = ""  # metrics.json, metrics.md, samples.png; default: the checkpoint's folder
    update_checkpoint: bool = True  # store the metrics in the checkpoint's meta for the backend


def _relative(path: str | Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


class RealDigits:
    """Disjoint real sets per split: a reference ("ref") and a second draw ("real") scored against it."""

    def __init__(self, n: int, seed: int):
        self.n, self.seed, self.sets = n, seed, {}
        for split in ("train", "test"):
            images, labels = load_mnist(split)
            size = min(n, len(images) // 2)
            order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
            for offset, role in ((0, "ref"), (size, "real")):
                pick = order[offset : offset + size].numpy()
                self.sets[f"{split}_{role}"] = (from_uint8(images[pick]), torch.from_numpy(labels[pick]))

    def cache_name(self, split: str, role: str) -> str:
        return f"{split}_{role}_n{self.n}_seed{self.seed}"


class Judge:
    """Classifier logits and features, and Inception features (cached on disk for real sets)."""

    def __init__(self, classifier_path: str, inception: int):
        self.classifier, self.classifier_meta = load_classifier(classifier_path)
        self.inception_count = inception
        self._inception = None

    @torch.inference_mode()
    def classifier_outputs(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits, penultimate features); the classifier is in eval mode, so its head is deterministic."""
        features = torch.cat([self.classifier.features(images[i : i + 500]) for i in range(0, len(images), 500)])
        return self.classifier.head(features), features

    def inception_features(self, images: torch.Tensor, cache_name: str | None = None) -> torch.Tensor:
        images = images[: self.inception_count]
        cache = CACHE / f"inception_{cache_name}_{len(images)}.pt" if cache_name else None
        if cache is not None and cache.is_file():
            return torch.load(cache, weights_only=True)
        if self._inception is None:
            from deep_learning.common.metrics.inception import InceptionFeatures

            self._inception = InceptionFeatures()
        start = time.time()
        features = self._inception.features(to_uint8(images).repeat(1, 3, 1, 1), cache)
        print(f"Inception features of {len(images)} images ({cache_name or 'generated'}): {time.time() - start:.0f} s",
              flush=True)
        return features


def distances(real: torch.Tensor, fake: torch.Tensor, suffix: str) -> dict:
    kid, kid_std = scores.kernel_distance(real, fake)
    return {f"fid_{suffix}": round(scores.frechet_distance(real, fake), 3),
            f"kid_{suffix}": round(kid, 5), f"kid_std_{suffix}": round(kid_std, 5)}


def outputs(images: torch.Tensor, judge: Judge, cache_name: str | None = None) -> dict:
    """Everything the scores need from one image set, computed once."""
    logits, features = judge.classifier_outputs(images)
    return {"logits": logits, "classifier": features, "inception": judge.inception_features(images, cache_name)}


def score(out: dict, labels: torch.Tensor, ref: dict) -> dict:
    """Accuracy, classifier-IS and FID/KID of one image set against one real reference set."""
    row = {"images": len(out["logits"]), "accuracy": round(scores.accuracy(out["logits"], labels), 4),
           "is_classifier": round(scores.inception_score(out["logits"])[0], 3)}
    row |= distances(ref["classifier"], out["classifier"], "classifier")
    row |= distances(ref["inception"], out["inception"], "inception")
    return row | {"inception_images": len(out["inception"])}


def mix_report(pipeline: DigitsPipeline, judge: Judge, samples: int, seed: int) -> list[dict]:
    """How the classifier's probabilities follow requested blends (2-hot at several ratios, 3-hot, all-hot)."""
    generator = torch.Generator().manual_seed(seed)
    pairs = list(combinations(range(NUM_DIGITS), 2))
    triples = [torch.randperm(NUM_DIGITS, generator=generator)[:3].tolist() for _ in range(len(pairs))]
    groups = [(f"2 digits, {ratio:.2f} / {1 - ratio:.2f}", [(pair, (ratio, 1 - ratio)) for pair in pairs])
              for ratio in MIX_RATIOS]
    groups.append(("3 digits, 1/3 each", [(triple, (1 / 3,) * 3) for triple in triples]))
    groups.append(("all 10 digits, 1/10 each", [(tuple(range(NUM_DIGITS)), (0.1,) * NUM_DIGITS)] * len(pairs)))
    rows = []
    for name, requests in groups:
        labels = torch.zeros(len(requests), NUM_DIGITS)
        for row, (digits, weights) in enumerate(requests):
            labels[row, list(digits)] = torch.tensor(weights)
        labels = labels.repeat_interleave(samples, 0)
        images = pipeline.images(labels, seed)
        probs = classify(judge.classifier, images).softmax(1)
        requested = labels > 0
        k = int(requested[0].sum())
        top_k = probs.topk(k, dim=1).indices
        top_match = requested.gather(1, top_k).all(1).float().mean()
        first = torch.tensor([digits[0] for digits, _ in requests]).repeat_interleave(samples)
        row = {
            "request": name, "images": len(images),
            "mass_on_requested": round(float((probs * requested).sum(1).mean()), 4),
            "total_variation": round(float(0.5 * (probs - labels).abs().sum(1).mean()), 4),
            "top_k_is_requested": round(float(top_match), 4),
        }
        if k == 2:
            share = probs.gather(1, first[:, None]).squeeze(1) / (probs * requested).sum(1).clamp_min(1e-8)
            row["share_of_first"] = round(float(share.mean()), 4)
            row["requested_share"] = float(labels[0][requested[0]][0])
        rows.append(row)
    return rows


def evaluate(checkpoint: str, config: EvalConfig, judge: Judge, real: RealDigits, refs: dict) -> dict:
    start = time.time()
    pipeline = DigitsPipeline.from_checkpoint(checkpoint)
    digits = torch.arange(NUM_DIGITS).repeat(config.per_digit)  # 0-9, 0-9, ...: every prefix is balanced
    images = pipeline.images(one_hot(digits), config.seed)
    fake = outputs(images, judge)
    generated = {split: score(fake, digits, refs[split]) for split in ("train", "test")}
    real_rows = {split: score(outputs(real.sets[f"{split}_real"][0], judge, real.cache_name(split, "real")),
                              real.sets[f"{split}_real"][1], refs[split]) for split in ("train", "test")}
    logits = fake["logits"]
    per_digit = {str(d): round(scores.accuracy(logits[digits == d], digits[digits == d]), 4) for d in range(10)}
    return {
        "checkpoint": _relative(checkpoint),
        "training": pipeline.meta.get("training", {}),
        "command": training_command(training_config(pipeline.meta)) + f" --out={_relative(checkpoint)}",
        "rows": [
            {"label": "generated digits (one-hot labels)", **generated},
            {"label": "real MNIST digits (reference)", **real_rows},
        ],
        "per_digit_accuracy": per_digit,
        "mix": mix_report(pipeline, judge, config.mix_samples, config.seed),
        "seconds": round(time.time() - start, 1),
    }


def notes(config: EvalConfig, judge: Judge, n_real: int) -> str:
    accuracy = judge.classifier_meta.get("metrics", {}).get("val_accuracy")
    return (
        f"Judge: the independent MNIST classifier ({_relative(config.classifier)}, trained on real digits only, "
        f"{accuracy} accuracy on the 10,000 test digits). Generated: {config.per_digit} one-hot samples per digit "
        f"({config.per_digit * NUM_DIGITS} images, seed {config.seed}) for accuracy, classifier-IS (Inception "
        f"Score computed from the classifier's logits; max 10) and FID/KID on the classifier's "
        f"{judge.classifier.num_features}-d features; the first {config.inception} of them (balanced over digits) "
        f"for FID/KID on 2048-d Inception pool features (StyleGAN3's FID network, 28 px digits resized to "
        f"299 px, grey copied to RGB). Columns: 'train' scores against {n_real} real training digits, 'test' "
        f"against {n_real} real test digits; the real row scores a second, disjoint draw of real digits of the "
        f"same split (the floor a perfect generator would reach at these sample counts). Accuracy and IS of "
        f"generated digits are the same set in both columns. FID at these counts is biased upwards; compare "
        f"rows, not papers. Blends: classifier probabilities vs the requested mix ({config.mix_samples} samples "
        f"per request)."
    )


def training_command(config: dict) -> str:
    """The command line that trains a checkpoint, from the config stored in it (flags that differ only)."""
    preset = config.get("config", "can")
    defaults = config_to_dict(TrainingConfig(**PRESETS.get(preset, {}), config=preset))
    flags = [f" --{key}={value}" for key, value in config.items()
             if key not in {"config", "run", "resume", "saved", "out"} and defaults.get(key) != value]
    return f"python deep_learning/digits_gan/training_loop.py --config={preset}" + "".join(flags)


def markdown(result: dict, title: str) -> str:
    columns = ["accuracy", "is_classifier", "fid_classifier", "kid_classifier", "fid_inception", "kid_inception"]
    lines = [f"## {title}", "", f"Checkpoint `{result['checkpoint']}`, trained with `{result['command']}`; "
             + ", ".join(f"{k} {v}" for k, v in result["training"].items()), "",
             "| set | split | " + " | ".join(columns) + " |", "|---|---|" + "---:|" * len(columns)]
    for row in result["rows"]:
        for split in ("train", "test"):
            cells = [str(row[split][c]) for c in columns]
            lines.append(f"| {row['label']} | {split} | " + " | ".join(cells) + " |")
    lines += ["", "Per-digit accuracy of one-hot samples:", "",
              "| " + " | ".join(result["per_digit_accuracy"]) + " |", "|" + "---:|" * NUM_DIGITS,
              "| " + " | ".join(str(v) for v in result["per_digit_accuracy"].values()) + " |", "",
              "Blends (classifier probabilities p against the requested mix w):", "",
              "| request | images | mass of p on requested digits | share of first digit | "
              "total variation TV(p, w) | top-k digits = requested |", "|---|---:|---:|---:|---:|---:|"]
    for row in result["mix"]:
        lines.append(f"| {row['request']} | {row['images']} | {row['mass_on_requested']} | "
                     f"{row.get('share_of_first', '')} | {row['total_variation']} | {row['top_k_is_requested']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    config = parse_config(EvalConfig, argv, description=__doc__.splitlines()[0])
    torch.manual_seed(config.seed)
    out_dir = Path(config.out_dir) if config.out_dir else Path(config.checkpoint).parent
    judge = Judge(config.classifier, config.inception)
    real = RealDigits(config.per_digit * NUM_DIGITS, config.seed)
    refs = {}
    for split in ("train", "test"):
        ref_images = real.sets[f"{split}_ref"][0]
        refs[split] = outputs(ref_images, judge, real.cache_name(split, "ref"))
    n_real = len(real.sets["train_ref"][0])
    result = evaluate(config.checkpoint, config, judge, real, refs)
    result["notes"] = notes(config, judge, n_real)
    text = "# Digits GAN: evaluation\n\n" + result["notes"] + "\n\n" + markdown(result, "Evaluated checkpoint")
    if config.compare:
        result["compare"] = evaluate(config.compare, config, judge, real, refs)
        text += "\n" + markdown(result["compare"], "Compared checkpoint")
    text += ("\nReproduce: `python -m deep_learning.digits_gan.evaluate --checkpoint=" + _relative(config.checkpoint)
             + (f" --compare={_relative(config.compare)}" if config.compare else "") + "`\n")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    (out_dir / "metrics.md").write_text(text)
    pipeline = DigitsPipeline.from_checkpoint(config.checkpoint)
    save_grid(sample_sheet(pipeline.generator, styles=10, seed=config.seed), out_dir / "samples.png", nrow=10, scale=2)
    if config.update_checkpoint:
        metrics = {key: result[key] for key in ("rows", "notes", "per_digit_accuracy", "mix")}
        store_metrics(config.checkpoint, metrics, kind=GENERATOR_KIND, half=True)
    print(text)
    return result


if __name__ == "__main__":
    main()

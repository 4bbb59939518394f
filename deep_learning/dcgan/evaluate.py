"""FID/KID of the DCGAN against real images, and the shipped checkpoint with its metrics and samples.

    python deep_learning/dcgan/evaluate.py [--checkpoint=deep_learning/dcgan/saved/baseline/dcgan.pt]

Generates `samples` images (seeds 0..samples-1) and compares their Inception pool features (the StyleGAN3
FID network) with `real` training images (column "train") and `real` held-out images (column "test").
The reference row compares another `real` training images with the same two sets: FID of real images
at these sample counts, the floor the generator is measured against (FID is biased upwards at small n).
Writes deep_learning/dcgan/checkpoints/{dcgan.pt, metrics.json, metrics.md, samples.png}.
"""

import json
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch

from deep_learning.common.checkpoint import store_metrics
from deep_learning.common.config import parse_config
from deep_learning.common.data.image_split import load_image_split
from deep_learning.common.images import from_uint8, save_grid
from deep_learning.common.metrics.inception import InceptionFeatures
from deep_learning.common.metrics.scores import FID, KID, KID_STD, frechet_distance, kernel_distance
from deep_learning.common.paths import model_dir
from deep_learning.common.training import training_time
from deep_learning.dcgan.pipeline import SHIPPED_CHECKPOINT, RandomImagePipeline

FEATURES = model_dir("dcgan") / "saved" / "inception"  # real-image features, once per (data, size, count, seed)


@dataclass
class Config:
    checkpoint: str = str(model_dir("dcgan") / "saved" / "baseline" / "dcgan.pt")  # inference checkpoint to score
    out_dir: str = str(SHIPPED_CHECKPOINT.parent)  # where dcgan.pt, metrics.json/md and samples.png go
    samples: int = 400  # generated images (seeds 0..samples-1)
    real: int = 400  # real images in each reference set
    seed: int = 0  # which real images are drawn
    threads: int = 0  # torch.set_num_threads; 0 keeps torch's default


def scores(real: torch.Tensor, fake: torch.Tensor) -> dict:
    kid, kid_std = kernel_distance(real, fake)
    return {FID: round(frechet_distance(real, fake), 2), KID: round(kid, 4), KID_STD: round(kid_std, 4)}


def generated_images(pipeline: RandomImagePipeline, count: int) -> np.ndarray:
    batches = [pipeline.sample(min(64, count - s), seed=s) for s in range(0, count, 64)]
    return np.stack([np.asarray(image) for batch in batches for image in batch])


def evaluate(config: Config) -> dict:
    if config.threads:
        torch.set_num_threads(config.threads)
    pipeline = RandomImagePipeline.from_checkpoint(config.checkpoint)
    trained = pipeline.info["training"].get("config", {})
    data, size = trained.get("data", "emoji"), pipeline.generator.image_size
    train, test = load_image_split(data, size, trained.get("seed", 0))
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(train))
    train_a, train_b = train[order[: config.real]], train[order[config.real : 2 * config.real]]
    test = test[rng.permutation(len(test))[: config.real]]
    network = InceptionFeatures()
    tag = f"{Path(data).name}{size}-n{config.real}-s{config.seed}"
    real_train = network.features(train_a, cache=FEATURES / f"{tag}-train-a.pt")
    real_train_b = network.features(train_b, cache=FEATURES / f"{tag}-train-b.pt")
    real_test = network.features(test, cache=FEATURES / f"{tag}-test.pt")
    fake = network.features(generated_images(pipeline, config.samples))

    rows = [
        {"label": f"real training images ({len(train_b)}, reference)",
         "train": scores(real_train, real_train_b), "test": scores(real_test, real_train_b)},
        {"label": f"DCGAN, EMA generator ({config.samples} samples)",
         "train": scores(real_train, fake), "test": scores(real_test, fake)},
    ]
    notes = (f"FID and KID (mean ± std over 100 subsets of 100) on 2048-d Inception pool features (StyleGAN3's FID "
             f"network, images upsampled bilinearly to 299 px). Column train: against {len(train_a)} training "
             f"images; column test: against {len(test)} images of held-out emoji concepts the GAN never saw. "
             f"The reference row is {len(train_b)} other real training images: FID is biased upwards at these "
             f"sample counts, so compare the model with that row rather than with 0.")
    metrics = {"rows": rows, "notes": notes, "samples": config.samples, "real": config.real,
               "command": "python deep_learning/dcgan/evaluate.py " + " ".join(sys.argv[1:])}
    write_outputs(config, pipeline, metrics)
    return metrics


def write_outputs(config: Config, pipeline: RandomImagePipeline, metrics: dict) -> None:
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store_metrics(config.checkpoint, {"rows": metrics["rows"], "notes": metrics["notes"]}, kind="dcgan/generator",
                  target=out / "dcgan.pt", half=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out / "metrics.md").write_text(metrics_markdown(metrics, pipeline.info))
    images = np.stack([np.asarray(image) for image in pipeline.sample(64, seed=0)])
    save_grid(from_uint8(images), out / "samples.png", nrow=8, scale=2)


def metrics_markdown(metrics: dict, info: dict) -> str:
    training = info["training"]
    lines = [f"# {info['title']}: evaluation", "", info["description"], "",
             f"Trained {training.get('epochs')} epochs ({training.get('steps')} steps, "
             f"{training.get('images')} images, {training_time(training)}).", "",
             "| | train FID | train KID | test FID | test KID |", "|---|---|---|---|---|"]
    for row in metrics["rows"]:
        cells = [f"{row['train'][FID]}", f"{row['train'][KID]} ± {row['train'][KID_STD]}",
                 f"{row['test'][FID]}", f"{row['test'][KID]} ± {row['test'][KID_STD]}"]
        lines.append(f"| {row['label']} | " + " | ".join(cells) + " |")
    lines += ["", metrics["notes"], "", "![64 samples, seeds 0-63](samples.png)", "",
              f"Reproduce: `{metrics['command'].strip()}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    evaluate(parse_config(Config, description=__doc__.splitlines()[0]))

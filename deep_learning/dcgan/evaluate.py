"""FID/KID of the DCGAN against real images, and the shipped checkpoint with its metrics and samples.

    python deep_learning/dcgan/evaluate.py [--checkpoint=deep_learning/dcgan/saved/baseline/dcgan.pt]

Generates `samples` images (seeds 0..samples-1) and compares their Inception pool features (the StyleGAN3
FID network) with `real` training images (column "train") and `real` held-out images (column "test").
The reference row compares another `real` training images with the same two sets: FID of real images
at these sample counts, the floor the generator is measured against (FID is biased upwards at small n).
Writes deep_learning/dcgan/checkpoints/{dcgan.pt, metrics.json, metrics.md, samples.png}.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch

from deep_learning.common.config import parse_config
from deep_learning.common.data.image_split import load_image_split
from deep_learning.common.images import from_uint8
from deep_learning.common.metrics.inception import InceptionFeatures
from deep_learning.common.metrics.report import Report, command_line, trained_for, write_report
from deep_learning.common.metrics.scores import FID, KID, fid_kid
from deep_learning.common.paths import model_dir
from deep_learning.dcgan.models import KIND
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


def generated_images(pipeline: RandomImagePipeline, count: int) -> np.ndarray:
    batches = [pipeline.sample(min(64, count - s), seed=s) for s in range(0, count, 64)]
    return np.stack([np.asarray(image) for batch in batches for image in batch])


def evaluate(config: Config, argv: list[str] | None = None) -> Report:
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
         "train": fid_kid(real_train, real_train_b), "test": fid_kid(real_test, real_train_b)},
        {"label": f"DCGAN, EMA generator ({config.samples} samples)",
         "train": fid_kid(real_train, fake), "test": fid_kid(real_test, fake)},
    ]
    notes = (f"FID and KID (mean ± std over 100 subsets of 100) on 2048-d Inception pool features (StyleGAN3's FID "
             f"network, images upsampled bilinearly to 299 px). Column train: against {len(train_a)} training "
             f"images; column test: against {len(test)} images of held-out emoji concepts the GAN never saw. "
             f"The reference row is {len(train_b)} other real training images: FID is biased upwards at these "
             f"sample counts, so compare the model with that row rather than with 0.")
    report = Report(
        title="DCGAN", summary=trained_for(pipeline.info["training"]) + ".",
        columns=[("train", FID), ("train", KID), ("test", FID), ("test", KID)], rows=rows, notes=notes,
        samples_caption="64 samples, seeds 0-63", counts={"samples": config.samples, "real": config.real},
        command=command_line("deep_learning/dcgan/evaluate.py", argv))
    samples = from_uint8(np.stack([np.asarray(image) for image in pipeline.sample(64, seed=0)]))
    write_report(report, config.out_dir, config.checkpoint, KIND, SHIPPED_CHECKPOINT.name, samples, nrow=8)
    return report


def main(argv: list[str] | None = None) -> Report:
    return evaluate(parse_config(Config, argv, description=__doc__.splitlines()[0]), argv)


if __name__ == "__main__":
    main()

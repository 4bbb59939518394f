"""L1/PSNR/SSIM and FID/KID of Pix2Pix on held-out sketches, and the shipped checkpoint with its metrics.

    python deep_learning/pix2pix/evaluate.py [--checkpoint=deep_learning/pix2pix/saved/emoji64/pix2pix.pt]

Each image's sketch (`sketch_from_image`) goes through the generator and the output is compared with
the image itself: L1 (mean absolute error, 0..1 scale), PSNR and SSIM (RGB, 8-bit, mean over images) for
`pairs` held-out images (concepts never trained on, column test) and as many training images (column
train); FID/KID for `fid_images` held-out outputs against `fid_images` held-out originals. The reference
row is `fid_images` other held-out originals: the FID floor at this sample count.
Writes deep_learning/pix2pix/checkpoints/{pix2pix.pt, metrics.json, metrics.md, samples.png}.
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
from deep_learning.common.images import from_uint8, to_uint8
from deep_learning.common.metrics.inception import InceptionFeatures
from deep_learning.common.metrics.report import Report, command_line, trained_for, write_report
from deep_learning.common.metrics.scores import FID, KID, L1, PSNR, SSIM, fid_kid, image_quality
from deep_learning.common.paths import model_dir
from deep_learning.pix2pix.models import KIND
from deep_learning.pix2pix.pipeline import SHIPPED_CHECKPOINT, SketchPipeline
from deep_learning.pix2pix.sketch import sketches_of


@dataclass
class Config:
    checkpoint: str = str(model_dir("pix2pix") / "saved" / "emoji64" / "pix2pix.pt")  # checkpoint to score
    out_dir: str = str(SHIPPED_CHECKPOINT.parent)  # where pix2pix.pt, metrics.json/md and samples.png go
    pairs: int = 1000  # images per split for L1/PSNR/SSIM (at most the split's size)
    fid_images: int = 400  # held-out outputs (and originals) for FID/KID
    seed: int = 0  # which images are drawn
    threads: int = 0  # torch.set_num_threads; 0 keeps torch's default


@torch.no_grad()
def translate_all(pipeline: SketchPipeline, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """The generator's answer to each image's training-format sketch, uint8 NHWC."""
    outputs = []
    for i in range(0, len(images), batch_size):
        y = pipeline.generator(sketches_of(images[i : i + batch_size]).to(pipeline.device))
        outputs.append(to_uint8(y).permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(outputs)


def evaluate(config: Config, argv: list[str] | None = None) -> Report:
    if config.threads:
        torch.set_num_threads(config.threads)
    pipeline = SketchPipeline.from_checkpoint(config.checkpoint)
    trained = pipeline.info["training"].get("config", {})
    train, test = load_image_split(trained.get("data", "emoji"), pipeline.image_size, trained.get("seed", 0))
    rng = np.random.default_rng(config.seed)
    test = test[rng.permutation(len(test))]
    splits = {"train": train[rng.permutation(len(train))[: config.pairs]], "test": test[: config.pairs]}
    outputs = {split: translate_all(pipeline, images) for split, images in splits.items()}

    network = InceptionFeatures()
    n = min(config.fid_images, len(test) // 2)
    real = network.features(test[:n])
    rows = [
        {"label": f"original images ({n} other held-out, reference)", "train": {},
         "test": fid_kid(real, network.features(test[len(test) - n :]))},
        {"label": "Pix2Pix (shipped)", "train": image_quality(outputs["train"], splits["train"]),
         "test": {**image_quality(outputs["test"], splits["test"]),
                  **fid_kid(real, network.features(outputs["test"][:n]))}},
    ]
    notes = (f"Inputs are each image's own sketch (`sketch_from_image`, colour edges). L1 (0..1 scale), PSNR and "
             f"SSIM (RGB, 8-bit, mean over images; SSIM with an 11 px Gaussian window) on {len(splits['test'])} "
             f"held-out images (emoji concepts never trained on) and {len(splits['train'])} training images. "
             f"FID/KID: {n} held-out outputs against {n} held-out originals, Inception pool features "
             f"(StyleGAN3's FID network, upsampled bilinearly to 299 px); the reference row compares {n} other "
             f"held-out originals, the floor at this sample count. A sketch fixes outlines, not colours: many "
             f"colourings are right, so L1/PSNR punish plausible answers; FID judges realism instead.")
    report = Report(
        title="Pix2Pix", summary=trained_for(pipeline.info["training"], "pairs") + ".",
        columns=[("train", L1), ("train", PSNR), ("train", SSIM), ("test", L1), ("test", PSNR), ("test", SSIM),
                 ("test", FID), ("test", KID)],
        rows=rows, notes=notes, samples_caption="rows: held-out sketch, Pix2Pix, original",
        counts={"pairs": {k: len(v) for k, v in splits.items()}, "fid_images": n},
        command=command_line("deep_learning/pix2pix/evaluate.py", argv))
    images, answers = splits["test"][:8], outputs["test"][:8]
    samples = torch.cat([sketches_of(images).expand(-1, 3, -1, -1), from_uint8(answers), from_uint8(images)])
    write_report(report, config.out_dir, config.checkpoint, KIND, SHIPPED_CHECKPOINT.name, samples, nrow=len(images))
    return report


def main(argv: list[str] | None = None) -> Report:
    return evaluate(parse_config(Config, argv, description=__doc__.splitlines()[0]), argv)


if __name__ == "__main__":
    main()

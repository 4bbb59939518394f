"""L1/PSNR/SSIM and FID/KID of Pix2Pix on held-out sketches, and the shipped checkpoint with its metrics.

    python deep_learning/pix2pix/evaluate.py [--checkpoint=deep_learning/pix2pix/saved/emoji64/pix2pix.pt]

Each image's sketch (`sketch_from_image`) goes through the generator and the output is compared with
the image itself: L1 (mean absolute error, 0..1 scale), PSNR and SSIM (RGB, 8-bit, mean over images) for
`pairs` held-out images (concepts never trained on, column test) and as many training images (column
train); FID/KID for `fid_images` held-out outputs against `fid_images` held-out originals. The reference
row is `fid_images` other held-out originals: the FID floor at this sample count.
Writes deep_learning/pix2pix/checkpoints/{pix2pix.pt, metrics.json, metrics.md, samples.png}.
"""

import json
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from deep_learning.common.checkpoint import store_metrics
from deep_learning.common.config import parse_config
from deep_learning.common.data.image_split import load_image_split
from deep_learning.common.images import from_uint8, save_grid
from deep_learning.common.metrics.inception import InceptionFeatures
from deep_learning.common.metrics.scores import FID, KID, KID_STD, frechet_distance, kernel_distance
from deep_learning.common.paths import model_dir
from deep_learning.common.training import training_time
from deep_learning.pix2pix.pipeline import SHIPPED_CHECKPOINT, SketchPipeline
from deep_learning.pix2pix.sketch import sketches_of

L1, PSNR, SSIM = "l1", "psnr", "ssim"


@dataclass
class Config:
    checkpoint: str = str(model_dir("pix2pix") / "saved" / "emoji64" / "pix2pix.pt")  # checkpoint to score
    out_dir: str = str(SHIPPED_CHECKPOINT.parent)  # where pix2pix.pt, metrics.json/md and samples.png go
    pairs: int = 1000  # images per split for L1/PSNR/SSIM (at most the split's size)
    fid_images: int = 400  # held-out outputs (and originals) for FID/KID
    seed: int = 0  # which images are drawn
    threads: int = 0  # torch.set_num_threads; 0 keeps torch's default


def image_quality(outputs: np.ndarray, targets: np.ndarray, batch_size: int = 50) -> dict:
    """Mean L1 (0..1), PSNR (dB) and SSIM (11 px Gaussian window) of uint8 NHWC outputs against targets.
    Per image, in batches: torchmetrics' SSIM needs ~20 MB an image at 64 px."""
    l1, psnr, ssim = [], [], []
    for i in range(0, len(outputs), batch_size):
        a = torch.as_tensor(outputs[i : i + batch_size]).permute(0, 3, 1, 2).double() / 255
        b = torch.as_tensor(targets[i : i + batch_size]).permute(0, 3, 1, 2).double() / 255
        l1.append((a - b).abs().flatten(1).mean(1))
        psnr.append(peak_signal_noise_ratio(a, b, data_range=1.0, reduction="none", dim=(1, 2, 3)))
        ssim.append(structural_similarity_index_measure(a, b, data_range=1.0, reduction="none"))
    return {L1: round(float(torch.cat(l1).mean()), 4), PSNR: round(float(torch.cat(psnr).mean()), 3),
            SSIM: round(float(torch.cat(ssim).mean()), 4)}


def fid_kid(real: torch.Tensor, fake: torch.Tensor) -> dict:
    kid, kid_std = kernel_distance(real, fake)
    return {FID: round(frechet_distance(real, fake), 2), KID: round(kid, 4), KID_STD: round(kid_std, 4)}


@torch.no_grad()
def translate_all(pipeline: SketchPipeline, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """The generator's answer to each image's training-format sketch, uint8 NHWC."""
    outputs = []
    for i in range(0, len(images), batch_size):
        y = pipeline.generator(sketches_of(images[i : i + batch_size]).to(pipeline.device)).float()
        outputs.append(((y.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(outputs)


def evaluate(config: Config) -> dict:
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
    metrics = {"rows": rows, "notes": notes, "pairs": {k: len(v) for k, v in splits.items()}, "fid_images": n,
               "command": "python deep_learning/pix2pix/evaluate.py " + " ".join(sys.argv[1:])}
    write_outputs(config, pipeline, metrics, splits["test"][:8], outputs["test"][:8])
    return metrics


def write_outputs(config: Config, pipeline: SketchPipeline, metrics: dict, images: np.ndarray,
                  outputs: np.ndarray) -> None:
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store_metrics(config.checkpoint, {"rows": metrics["rows"], "notes": metrics["notes"]}, kind="pix2pix/generator",
                  target=out / "pix2pix.pt", half=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out / "metrics.md").write_text(metrics_markdown(metrics, pipeline.info))
    sketches = sketches_of(images).expand(-1, 3, -1, -1)
    save_grid(torch.cat([sketches, from_uint8(outputs), from_uint8(images)]), out / "samples.png",
              nrow=len(images), scale=2)


def metrics_markdown(metrics: dict, info: dict) -> str:
    training = info["training"]
    lines = [f"# {info['title']}: evaluation", "", info["description"], "",
             f"Trained {training.get('epochs')} epochs ({training.get('steps')} steps on {training.get('pairs')} "
             f"pairs, {training_time(training)}).", "",
             "| | train L1 | train PSNR | train SSIM | test L1 | test PSNR | test SSIM | test FID | test KID |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in metrics["rows"]:
        train, test = row["train"], row["test"]
        cells = [train.get(L1, ""), train.get(PSNR, ""), train.get(SSIM, ""), test.get(L1, ""), test.get(PSNR, ""),
                 test.get(SSIM, ""), test[FID], f"{test[KID]} ± {test[KID_STD]}"]
        lines.append(f"| {row['label']} | " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", metrics["notes"], "", "![rows: held-out sketch, Pix2Pix, original](samples.png)", "",
              f"Reproduce: `{metrics['command'].strip()}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    evaluate(parse_config(Config, description=__doc__.splitlines()[0]))

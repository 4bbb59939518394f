"""PSNR/SSIM and FID/KID of the SRGAN against bicubic and a no-GAN generator, and the shipped checkpoint.

    python deep_learning/srgan/training_loop.py                    # the SRGAN -> saved/emoji64/srgan.pt
    python deep_learning/srgan/training_loop.py --run=srresnet24 --pretrain_epochs=24 --epochs=24
    python deep_learning/srgan/evaluate.py                         # the no-GAN run above is the baseline

Every method enlarges the same bicubic 16 px reductions (`data.downscale`) of 64 px emoji back to 64 px.
PSNR/SSIM (RGB, 8-bit, mean over images) use `pairs` held-out images (concepts never trained on, column
test) and as many training images (column train). FID/KID use `fid_images` held-out outputs against
`fid_images` held-out originals (Inception pool features), test column only; the reference row is
`fid_images` other held-out originals, the FID floor at this sample count. The no-GAN baseline is the
same generator trained as long on pixel L1 alone (SRResNet): what the perceptual and adversarial losses
add, and what they cost in PSNR.
Writes deep_learning/srgan/checkpoints/{srgan.pt, metrics.json, metrics.md, samples.png}.
"""

import json
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
from PIL import Image
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from deep_learning.common.checkpoint import store_metrics
from deep_learning.common.config import parse_config
from deep_learning.common.data.image_split import load_image_split
from deep_learning.common.images import from_uint8, save_grid
from deep_learning.common.metrics.inception import InceptionFeatures
from deep_learning.common.metrics.scores import FID, KID, KID_STD, frechet_distance, kernel_distance
from deep_learning.common.paths import model_dir
from deep_learning.common.training import training_time
from deep_learning.srgan.data import low_res_batch, upscale_bicubic
from deep_learning.srgan.pipeline import SHIPPED_CHECKPOINT, SuperResolutionPipeline

PSNR, SSIM = "psnr", "ssim"
RUN = model_dir("srgan") / "saved" / "emoji64"
BASELINE = model_dir("srgan") / "saved" / "srresnet24" / "srresnet.pt"
FEATURES = model_dir("srgan") / "saved" / "inception"  # features of images that do not change (originals, bicubic)


@dataclass
class Config:
    checkpoint: str = str(RUN / "srgan.pt")  # the SRGAN inference checkpoint to score and ship
    baseline: str = str(BASELINE)  # a no-GAN generator (pixel L1 only) to compare with; "" to skip
    out_dir: str = str(SHIPPED_CHECKPOINT.parent)  # where srgan.pt, metrics.json/md and samples.png go
    pairs: int = 1000  # images per split for PSNR/SSIM (at most the split's size)
    fid_images: int = 400  # held-out outputs (and originals) for FID/KID
    seed: int = 0  # which images are drawn
    threads: int = 0  # torch.set_num_threads; 0 keeps torch's default


def image_quality(outputs: np.ndarray, targets: np.ndarray, batch_size: int = 50) -> dict:
    """Mean PSNR (dB) and SSIM (11 px Gaussian window) of uint8 NHWC outputs against targets.
    Per image, in batches: torchmetrics' SSIM needs ~20 MB an image at 64 px."""
    psnr, ssim = [], []
    for i in range(0, len(outputs), batch_size):
        a = torch.as_tensor(outputs[i : i + batch_size]).permute(0, 3, 1, 2).double() / 255
        b = torch.as_tensor(targets[i : i + batch_size]).permute(0, 3, 1, 2).double() / 255
        psnr.append(peak_signal_noise_ratio(a, b, data_range=1.0, reduction="none", dim=(1, 2, 3)))
        ssim.append(structural_similarity_index_measure(a, b, data_range=1.0, reduction="none"))
    return {PSNR: round(float(torch.cat(psnr).mean()), 3), SSIM: round(float(torch.cat(ssim).mean()), 4)}


def per_image_psnr(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    error = (outputs.astype(np.float64) - targets.astype(np.float64)) ** 2
    return 10 * np.log10(255.0**2 / np.maximum(error.reshape(len(error), -1).mean(1), 1e-10))






def enhance_all(pipeline: SuperResolutionPipeline, low: np.ndarray, batch_size: int = 64) -> np.ndarray:
    outputs = []
    with torch.no_grad():
        for i in range(0, len(low), batch_size):
            x = from_uint8(low[i : i + batch_size]).to(pipeline.device)
            y = pipeline.generator(x).float().clamp(-1, 1)
            outputs.append(((y + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(outputs)


def evaluate(config: Config) -> dict:
    if config.threads:
        torch.set_num_threads(config.threads)
    pipeline = SuperResolutionPipeline.from_checkpoint(config.checkpoint)
    scale, trained = pipeline.scale, pipeline.info["training"].get("config", {})
    train, test = load_image_split(trained.get("data", "emoji"), pipeline.info["image_size"], trained.get("seed", 0))
    rng = np.random.default_rng(config.seed)
    test = test[rng.permutation(len(test))]
    splits = {"train": train[rng.permutation(len(train))[: config.pairs]], "test": test[: config.pairs]}
    lows = {split: low_res_batch(images, scale) for split, images in splits.items()}
    methods = {"bicubic (PIL)": lambda low: np.stack([upscale_bicubic(image, scale) for image in low])}
    if config.baseline and Path(config.baseline).is_file():
        baseline = SuperResolutionPipeline.from_checkpoint(config.baseline)
        label = f"SRResNet, no GAN: pixel L1 only ({baseline.info['training'].get('epochs')} epochs)"
        methods[label] = lambda low: enhance_all(baseline, low)
    methods[f"SRGAN: + perceptual + adversarial loss ({pipeline.info['training'].get('epochs')} epochs, shipped)"] = (
        lambda low: enhance_all(pipeline, low))
    outputs = {name: {split: method(low) for split, low in lows.items()} for name, method in methods.items()}

    network = InceptionFeatures()
    n = min(config.fid_images, len(test) // 2)
    size = pipeline.info["image_size"]
    tag = f"{Path(trained.get('data', 'emoji')).name}{size}-x{scale}-n{n}-s{config.seed}"
    real = network.features(test[:n], cache=FEATURES / f"{tag}-real.pt")
    reference = network.features(test[len(test) - n :], cache=FEATURES / f"{tag}-reference.pt")
    rows = [{"label": f"original {size} px images ({n} other held-out, reference)", "train": {},
             "test": fid_kid(real, reference)}]
    for i, (name, by_split) in enumerate(outputs.items()):
        fake = (network.features(by_split["test"][:n], cache=FEATURES / f"{tag}-bicubic.pt") if i == 0
                else network.features(by_split["test"][:n]))
        rows.append({"label": name, "train": image_quality(by_split["train"], splits["train"]),
                     "test": {**image_quality(by_split["test"], splits["test"]), **fid_kid(real, fake)}})
    psnrs = [per_image_psnr(by_split["test"], splits["test"]) for by_split in outputs.values()]
    rows[-1]["test"]["images_below_bicubic_psnr"] = int((psnrs[-1] < psnrs[0]).sum())
    perceptual = pipeline.info["training"].get("perceptual_loss", "none")
    metrics = {"rows": rows, "notes": notes(rows, len(splits["train"]), len(splits["test"]), n, perceptual),
               "pairs": {k: len(v) for k, v in splits.items()}, "fid_images": n,
               "command": "python deep_learning/srgan/evaluate.py " + " ".join(sys.argv[1:])}
    write_outputs(config, pipeline, metrics, splits["test"][:8], lows["test"][:8],
                  [by_split["test"][:8] for by_split in outputs.values()])
    return metrics


def fid_kid(real: torch.Tensor, fake: torch.Tensor) -> dict:
    kid, kid_std = kernel_distance(real, fake)
    return {FID: round(frechet_distance(real, fake), 2), KID: round(kid, 4), KID_STD: round(kid_std, 4)}


def notes(rows: list[dict], n_train: int, n_test: int, n_fid: int, perceptual: str) -> str:
    bicubic, gan = rows[1]["test"], rows[-1]["test"]
    psnr_gap, fid_gap = gan[PSNR] - bicubic[PSNR], bicubic[FID] - gan[FID]
    verdict = (f"On held-out images the SRGAN {'beats' if fid_gap > 0 else 'does NOT beat'} bicubic on the "
               f"perceptual metric (FID {gan[FID]} vs {bicubic[FID]}) and "
               + (f"also on PSNR (+{psnr_gap:.2f} dB)" if psnr_gap >= 0 else f"loses {-psnr_gap:.2f} dB of PSNR")
               + f" and {'gains' if gan[SSIM] >= bicubic[SSIM] else 'loses'} SSIM ({gan[SSIM]} vs {bicubic[SSIM]}).")
    verdict += (f" It is below bicubic's PSNR on {gan['images_below_bicubic_psnr']} of {n_test} held-out images.")
    if len(rows) == 4:
        resnet = rows[2]["test"]
        psnr_cost, fid_gain = resnet[PSNR] - gan[PSNR], resnet[FID] - gan[FID]
        verdict += (" Against the same generator trained on pixel L1 alone (no GAN, the row above), the perceptual and "
                    + (f"adversarial losses cost {psnr_cost:.2f} dB of PSNR" if psnr_cost > 0
                       else f"adversarial losses also gain {-psnr_cost:.2f} dB of PSNR")
                    + f" and {'improve' if fid_gain > 0 else 'do NOT improve'} FID ({gan[FID]} vs {resnet[FID]})"
                    + (": PSNR rewards the blurry average of possible details, the GAN draws one of them."
                       if psnr_cost > 0 and fid_gain > 0 else "."))
    return (f"{verdict} PSNR/SSIM: RGB, 8-bit, mean over {n_test} held-out images (concepts never trained on) "
            f"and {n_train} training images; SSIM with an 11 px Gaussian window. FID/KID: {n_fid} held-out "
            f"outputs against {n_fid} held-out originals, Inception pool features (StyleGAN3's FID network, "
            f"upsampled bilinearly to 299 px); the reference row compares {n_fid} other held-out originals. "
            f"Perceptual training loss: {perceptual} (SRGAN's VGG-19 has no offline source here).")


def write_outputs(config: Config, pipeline: SuperResolutionPipeline, metrics: dict, high: np.ndarray,
                  low: np.ndarray, outputs: list[np.ndarray]) -> None:
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store_metrics(config.checkpoint, {"rows": metrics["rows"], "notes": metrics["notes"]}, kind="srgan/generator",
                  target=out / "srgan.pt", half=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out / "metrics.md").write_text(metrics_markdown(metrics, pipeline.info))
    size = high.shape[1]
    nearest = np.stack([np.asarray(Image.fromarray(i).resize((size, size), Image.Resampling.NEAREST)) for i in low])
    rows = np.concatenate([nearest, *outputs, high])
    save_grid(from_uint8(rows), out / "samples.png", nrow=len(high), scale=2)


def metrics_markdown(metrics: dict, info: dict) -> str:
    training = info["training"]
    lines = [f"# {info['title']}: evaluation", "", info["description"], "",
             f"Trained {training.get('epochs')} epochs ({training.get('steps')} steps on {training.get('images')} "
             f"images, {training_time(training)}); perceptual loss: "
             f"{training.get('perceptual_loss')}.", "",
             "| | train PSNR | train SSIM | test PSNR | test SSIM | test FID | test KID |",
             "|---|---|---|---|---|---|---|"]
    for row in metrics["rows"]:
        train, test = row["train"], row["test"]
        cells = [train.get(PSNR, ""), train.get(SSIM, ""), test.get(PSNR, ""), test.get(SSIM, ""), test[FID],
                 f"{test[KID]} ± {test[KID_STD]}"]
        lines.append(f"| {row['label']} | " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", metrics["notes"], "",
              "![rows: low resolution (nearest), bicubic, SRResNet (no GAN), SRGAN, original](samples.png)", "",
              f"Reproduce: `{metrics['command'].strip()}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    evaluate(parse_config(Config, description=__doc__.splitlines()[0]))

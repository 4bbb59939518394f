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

import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
from PIL import Image

from deep_learning.common.config import parse_config
from deep_learning.common.data.image_split import load_image_split
from deep_learning.common.images import from_uint8, to_uint8
from deep_learning.common.metrics.inception import InceptionFeatures
from deep_learning.common.metrics.report import Report, command_line, trained_for, write_report
from deep_learning.common.metrics.scores import FID, KID, PSNR, SSIM, fid_kid, image_quality, psnr
from deep_learning.common.paths import model_dir
from deep_learning.srgan.data import low_res_batch, upscale_bicubic
from deep_learning.srgan.models import KIND
from deep_learning.srgan.pipeline import SHIPPED_CHECKPOINT, SuperResolutionPipeline

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


def per_image_psnr(outputs: np.ndarray, targets: np.ndarray) -> torch.Tensor:
    """PSNR (dB) of each uint8 NHWC output against its target."""
    return psnr(torch.as_tensor(outputs), torch.as_tensor(targets), data_range=255.0)


def enhance_all(pipeline: SuperResolutionPipeline, low: np.ndarray, batch_size: int = 64) -> np.ndarray:
    outputs = []
    with torch.no_grad():
        for i in range(0, len(low), batch_size):
            x = from_uint8(low[i : i + batch_size]).to(pipeline.device)
            outputs.append(to_uint8(pipeline.generator(x)).permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(outputs)


def evaluate(config: Config, argv: list[str] | None = None) -> Report:
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
    training = pipeline.info["training"]
    perceptual = training.get("perceptual_loss", "none")
    report = Report(
        title="SRGAN", summary=f"{trained_for(training)}; perceptual loss: {training.get('perceptual_loss')}.",
        columns=[("train", PSNR), ("train", SSIM), ("test", PSNR), ("test", SSIM), ("test", FID), ("test", KID)],
        rows=rows, notes=notes(rows, len(splits["train"]), len(splits["test"]), n, perceptual),
        samples_caption="rows: low resolution (nearest), bicubic, SRResNet (no GAN), SRGAN, original",
        counts={"pairs": {k: len(v) for k, v in splits.items()}, "fid_images": n},
        command=command_line("deep_learning/srgan/evaluate.py", argv))
    high, low = splits["test"][:8], lows["test"][:8]
    nearest = np.stack([np.asarray(Image.fromarray(i).resize(high.shape[1:3], Image.Resampling.NEAREST)) for i in low])
    samples = from_uint8(np.concatenate([nearest, *(by_split["test"][:8] for by_split in outputs.values()), high]))
    write_report(report, config.out_dir, config.checkpoint, KIND, SHIPPED_CHECKPOINT.name, samples, nrow=len(high))
    return report


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


def main(argv: list[str] | None = None) -> Report:
    return evaluate(parse_config(Config, argv, description=__doc__.splitlines()[0]), argv)


if __name__ == "__main__":
    main()

"""Trains an independent classifier on real images: `python deep_learning/classifiers/training_loop.py --dataset=mnist`.

emoji: Unicode subcategory from 32 px emoji (all real images; 10% of images held out to report its own
accuracy). emoji_concept: the emoji itself, one class per concept of both splits (1,636), the judge of
whether a generated picture is recognisable as its prompt (10% of images held out, as for emoji).
mnist: the digit, trained on the 60k training set, reported on the 10k test set.
"""

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch
import torch.nn.functional as F
from tqdm import tqdm

from deep_learning.classifiers.data import load_labelled_images
from deep_learning.classifiers.models import KIND, SHIPPED, ImageClassifier, classify
from deep_learning.common.checkpoint import save_checkpoint
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.device import autocast, choose_device, seed_everything
from deep_learning.common.metrics import scores


@dataclass
class Config:
    dataset: str = "emoji"  # emoji (subcategory), emoji_concept (the emoji itself) or mnist (digit)
    epochs: int = 30  # passes over the training images
    batch_size: int = 128
    lr: float = 2e-3  # AdamW learning rate, cosine-decayed to zero
    width: int = 32  # channels of the first block (then 2x, 4x)
    val_fraction: float = 0.1  # emoji only: share of images held out to report accuracy
    limit: int = 0  # use only the first N training images (tests); 0 = all
    seed: int = 0
    device: str = "auto"  # auto, cpu or cuda
    out: str = ""  # checkpoint path; default: the shipped one for the data set


def augment(images: torch.Tensor, flip: bool) -> torch.Tensor:
    """Random shifts of up to 2 px (and horizontal flips for emoji)."""
    padded = F.pad(images, (2, 2, 2, 2), mode="replicate")
    dx, dy = torch.randint(0, 5, (2,)).tolist()
    out = padded[..., dy : dy + images.shape[-2], dx : dx + images.shape[-1]]
    if flip:
        mask = torch.rand(len(out), 1, 1, 1) < 0.5
        out = torch.where(mask, out.flip(-1), out)
    return out


def train(config: Config) -> dict:
    seed_everything(config.seed)
    device = choose_device(config.device)
    xs, ys, xv, yv, names = load_labelled_images(config.dataset, config.val_fraction, config.seed, config.limit)
    model = ImageClassifier(num_classes=len(names), in_channels=xs.shape[1], image_size=xs.shape[-1],
                            width=config.width).to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=5e-4)
    steps = config.epochs * ((len(xs) + config.batch_size - 1) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, config.lr, total_steps=steps, pct_start=0.15)
    start = time.time()
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(len(xs))
        bar = tqdm(range(0, len(xs), config.batch_size), desc=f"epoch {epoch}/{config.epochs}", leave=False)
        for i in bar:
            batch = order[i : i + config.batch_size]
            images = augment(xs[batch], flip=config.dataset == "emoji").to(device, memory_format=torch.channels_last)
            with autocast(device):
                loss = F.cross_entropy(model(images), ys[batch].to(device), label_smoothing=0.1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()
    val_logits = classify(model.cpu(), xv)
    val_accuracy, val_top5 = scores.accuracy(val_logits, yv), scores.top_k_accuracy(val_logits, yv, 5)
    metrics = {"val_accuracy": round(val_accuracy, 4), "val_top5": round(val_top5, 4), "val_images": len(xv),
               "train_images": len(xs),
               "train_seconds": round(time.time() - start, 1)}
    out = Path(config.out) if config.out else SHIPPED[config.dataset]
    save_checkpoint(
        out, kind=KIND, half=True,
        model_args={"num_classes": len(names), "in_channels": xs.shape[1], "image_size": xs.shape[-1],
                    "width": config.width},
        state={"model": model.state_dict()},
        meta={"dataset": config.dataset, "class_names": names, "config": config_to_dict(config), "metrics": metrics},
    )
    out.with_suffix(".json").write_text(json.dumps({"dataset": config.dataset, **metrics}, indent=2) + "\n")
    print(f"{config.dataset} classifier: validation accuracy {val_accuracy:.4f} on {len(xv)} real images -> {out}")
    return metrics


if __name__ == "__main__":
    train(parse_config(Config, description=__doc__.splitlines()[0]))

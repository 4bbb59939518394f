"""Prompts in, PNGs out, through the same `TextToImage` object the server uses.

    python deep_learning/main_model/generate.py "red apple" "blue car" --n=5 --seed=0 --out=generated/
    python deep_learning/main_model/generate.py --showcase --out=deep_learning/main_model/checkpoints/samples.png

The first writes `generated/red-apple-0.png` ... (image i of a prompt uses seed + i, as `GET /?input=` does).
`--showcase` draws the README panel: words a new user would type (animals, food, vehicles, weather, objects,
faces), training prompts first, then held-out ones, one row each: the concept's real emoji in every art style
(grey where a style lacks it), a white gap, then `--n` seeds. The same with each row labelled is
`<out>_labelled.png`; `<out>_prompts.txt` lists the rows.
"""

import argparse
import random
import re
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch

from deep_learning.common.data.emoji import cache_path, load_emoji
from deep_learning.common.images import from_uint8, save_grid
from deep_learning.main_model.pipeline import SHIPPED_CHECKPOINT, TextToImage

# everyday words, each an emoji's own name: 24 training concepts, then 8 held out (the split is by concept)
PANEL = ("cat", "dog", "house", "robot", "snowman", "guitar", "frog", "octopus", "rainbow", "penguin", "butterfly",
         "red apple", "banana", "pizza", "strawberry", "automobile", "bicycle", "airplane", "sun", "cloud",
         "umbrella", "fire", "grinning face", "birthday cake",
         "rocket", "hamburger", "carrot", "ghost", "light bulb", "rabbit", "tiger", "lion")


def showcase_prompts(pipeline: TextToImage, per_split: int = 8, seed: int = 1234) -> list[tuple[str, str]]:
    """(split, prompt) of the panel's words the checkpoint knows, in its own split; a checkpoint trained on
    other data (a few concepts, another data set) gets a seeded pick of its own prompts instead."""
    splits = {"train": pipeline.meta["train_prompts"], "held-out": pipeline.meta["test_prompts"]}
    rows = [(split, word) for split, prompts in splits.items() for word in PANEL if word in prompts]
    if len(rows) < len(PANEL) // 2:
        rng = random.Random(seed)
        rows = [(split, prompt) for split, prompts in splits.items()
                for prompt in rng.sample(prompts, min(per_split, len(prompts)))]
    return rows


def real_columns(prompts: list[str], size: int) -> torch.Tensor | None:
    """Each prompt's real emoji, one per art style (grey where a style has none), then a white gap; None
    where the prompts are not emoji concepts of the cached data."""
    data = load_emoji(size) if cache_path(size).is_file() else None
    if data is None or any(prompt not in data.concepts for prompt in prompts):
        return None
    columns = []
    for prompt in prompts:
        rows = np.flatnonzero(data.concept == data.concepts.index(prompt))
        for style in range(len(data.style_names)):
            of_style = rows[data.style[rows] == style]
            columns.append(from_uint8(data.images[of_style[:1]])[0] if len(of_style) else torch.zeros(3, size, size))
        columns.append(torch.ones(3, size, size))
    return torch.stack(columns).view(len(prompts), len(data.style_names) + 1, 3, size, size)


def slug(prompt: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", prompt.lower()).strip("-")[:60] or "prompt"


def main(argv=None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompts", nargs="*", help="one or more prompts")
    parser.add_argument("--checkpoint", default=str(SHIPPED_CHECKPOINT))
    parser.add_argument("--n", type=int, default=5, help="images per prompt")
    parser.add_argument("--seed", type=int, default=0, help="image i of a prompt uses seed + i")
    parser.add_argument("--out", default="generated", help="folder for the PNGs; with --showcase, the grid's file")
    parser.add_argument("--showcase", action="store_true", help="the README grid of train and held-out prompts")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    args = parser.parse_args(argv)
    if not args.prompts and not args.showcase:
        parser.error("give one or more prompts, or --showcase")
    if not 1 <= args.n <= 64:
        parser.error("--n must be between 1 and 64")

    pipeline = TextToImage.from_checkpoint(args.checkpoint, precision=args.precision)
    out = Path(args.out)
    if args.showcase:
        rows = showcase_prompts(pipeline)
        prompts = [prompt for _, prompt in rows for _ in range(args.n)]
        images = pipeline.generate(prompts, [args.seed + i for _ in rows for i in range(args.n)])
        images = images.view(len(rows), args.n, *images.shape[1:])
        real = real_columns([prompt for _, prompt in rows], pipeline.image_size)
        images = torch.cat([real, images], dim=1) if real is not None else images
        nrow = images.shape[1]
        images = images.flatten(0, 1)
        labelled = out.with_name(f"{out.stem}_labelled{out.suffix}")
        save_grid(images, out, nrow=nrow, scale=2)  # the page labels its rows itself, from <out>_prompts.txt
        save_grid(images, labelled, nrow=nrow, scale=2, row_labels=[f"{split}: {prompt}" for split, prompt in rows])
        out.with_name(f"{out.stem}_prompts.txt").write_text("".join(f"{split}: {prompt}\n" for split, prompt in rows))
        print(f"wrote {out} and {labelled}")
        return [out, labelled]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for prompt in args.prompts:
        for i, image in enumerate(pipeline(prompt, n=args.n, seed=args.seed)):
            written.append(out / f"{slug(prompt)}-{args.seed + i}.png")
            image.save(written[-1])
    print(f"wrote {len(written)} images to {out}/")
    return written


if __name__ == "__main__":
    main()

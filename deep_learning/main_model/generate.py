"""Prompts in, PNGs out, through the same `TextToImage` object the server uses.

    python deep_learning/main_model/generate.py "red apple" "blue car" --n=5 --seed=0 --out=generated/
    python deep_learning/main_model/generate.py --showcase --out=deep_learning/main_model/checkpoints/samples.png

The first writes `generated/red-apple-0.png` ... (image i of a prompt uses seed + i, as `GET /?input=` does).
`--showcase` draws the README grid: 8 training prompts, then 8 held-out prompts from the checkpoint's own
split (one row each, `--n` seeds across), the same with each row labelled as `<out>_labelled.png`, and lists
the rows in `<out>_prompts.txt`.
"""

import argparse
import random
import re
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deep_learning.common.images import save_grid
from deep_learning.common.paths import model_dir
from deep_learning.main_model.pipeline import TextToImage

SHIPPED_CHECKPOINT = model_dir("main_model") / "checkpoints" / "default.pt"


def showcase_prompts(pipeline: TextToImage, per_split: int = 8, seed: int = 1234) -> list[tuple[str, str]]:
    """A fixed, seeded pick of (split, prompt) pairs from the prompts the checkpoint trained and held out."""
    rng = random.Random(seed)
    return [(split, prompt) for split, key in (("train", "train_prompts"), ("held-out", "test_prompts"))
            for prompt in rng.sample(pipeline.meta[key], min(per_split, len(pipeline.meta[key])))]


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
        labelled = out.with_name(f"{out.stem}_labelled{out.suffix}")
        save_grid(images, out, nrow=args.n, scale=2)  # the page labels its rows itself, from <out>_prompts.txt
        save_grid(images, labelled, nrow=args.n, scale=2, row_labels=[f"{split}: {prompt}" for split, prompt in rows])
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

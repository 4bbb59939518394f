"""Warm starts of the text-to-image trainer from a generator export (and the discriminator saved beside it):
how a fresh clone continues the shipped model, and how a model grows to twice its resolution (ProGAN)."""

from pathlib import Path

import torch

from deep_learning.common.checkpoint import load_checkpoint
from deep_learning.main_model.pipeline import GENERATOR_KIND

DISCRIMINATOR_KIND = "text-to-image/discriminator"


def discriminator_path(generator_path: Path) -> Path:
    """Where the discriminator that continues a generator export lives: beside it."""
    return generator_path.with_name(f"{generator_path.stem}_discriminator.pt")


def load_matching(module: torch.nn.Module, state: dict, source: Path) -> list[str]:
    """Loads every tensor whose name and shape match; returns the names left at their initial values
    (a new class head when the classes changed, say)."""
    own = module.state_dict()
    fits = {k: v.to(own[k].dtype) for k, v in state.items() if k in own and own[k].shape == v.shape}
    module.load_state_dict({**own, **fits})
    skipped = sorted(set(own) - set(fits))
    if skipped:
        print(f"{source}: kept the initial values of {len(skipped)} tensors: {', '.join(skipped[:6])}"
              + (" ..." if len(skipped) > 6 else ""))
    return skipped


def growth(source: dict, target: dict, path: Path) -> int:
    """How many resolution doublings lie between two generators' model args. Growing may change the
    width (the channels per block) and add the RGB skip; any warm start may add the text layout (its new
    part starts at zero); anything else that differs is refused."""
    grown = ("image_size", "width", "rgb_skip", "text_layout")
    others = lambda args: {k: v for k, v in args.items() if k not in grown}  # noqa: E731
    ratio = target["image_size"] / source["image_size"]
    grows = ratio > 1 and ratio == int(ratio) and not int(ratio) & (int(ratio) - 1)
    same_size = source["image_size"] == target["image_size"] and source["width"] == target["width"]
    if others(source) != others(target) or not (grows or same_size):
        raise ValueError(f"{path} was built with {source}, this run builds {target}")
    return int(ratio).bit_length() - 1


def deeper_blocks(state: dict, shift: int) -> dict:
    """A discriminator state with blocks.i renamed blocks.(i + shift): new blocks go in front."""
    if not shift:
        return state

    def rename(key: str) -> str:
        head, _, rest = key.partition(".")
        if head != "blocks":
            return key
        index, _, tail = rest.partition(".")
        return f"blocks.{int(index) + shift}.{tail}"
    return {rename(key): value for key, value in state.items()}


def warm_start(path: Path, generator: torch.nn.Module, g_args: dict, discriminator: torch.nn.Module,
               d_args: dict) -> None:
    """Generator from an export, the discriminator from beside it. From an export at half this run's
    resolution it is progressive growing: G keeps its blocks and gains a new last one, D's blocks move one
    place deeper behind a new first one. With `rgb_skip` the export's RGB layer becomes `to_rgb_low` and the
    new `to_rgb` starts at zero: the grown model starts as the export, enlarged, and learns only what the
    new resolution adds. The caller copies G into its EMA."""
    exported = load_checkpoint(path, kind=GENERATOR_KIND)
    doublings = growth(exported["model_args"], g_args, path)
    state = exported["state"]["generator"]
    if doublings == 1 and getattr(generator, "to_rgb_low", None) is not None:
        state = {k.replace("to_rgb.", "to_rgb_low.", 1) if k.startswith("to_rgb.") else k: v
                 for k, v in state.items()}
        torch.nn.init.zeros_(generator.to_rgb[1].weight)
        torch.nn.init.zeros_(generator.to_rgb[1].bias)
    load_matching(generator, state, path)
    d_path = discriminator_path(path)
    d_saved = load_checkpoint(d_path, kind=DISCRIMINATOR_KIND) if d_path.is_file() else None
    if d_saved is None:
        print(f"no {d_path}: the discriminator starts from scratch")
    elif d_saved["model_args"].get("arch") != d_args["arch"]:
        print(f"{d_path} is a {d_saved['model_args'].get('arch')} discriminator: this run's starts from scratch")
    else:
        load_matching(discriminator, deeper_blocks(d_saved["state"]["discriminator"], doublings), d_path)
    print(f"warm start from {path}" + (f", grown {2**doublings}x" if doublings else ""))

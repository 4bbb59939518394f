"""`TextToImage`: prompts in, PIL images out. The one inference object the backend and the CLI use.

Rebuilt from the checkpoint alone (architecture, constructor arguments, EMA weights, the text encoder
it was trained with). Image i of a request uses noise seeded by `seed + i`, so any single image can be
reproduced on its own, whatever else was in its batch.

Where bfloat16 is faster (`bf16_is_fast`: CUDA, AMX, or measured at start-up on AVX-512 BF16 CPUs), the
generator runs under bfloat16 autocast in channels-last layout: 2.1x the images/s of float32 on an AMX
machine (`make benchmark-training`, generator columns). `precision="fp32"` turns it off; the evaluation
uses the same path the server does.
"""

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from threading import Lock

import torch
from PIL import Image
from torch import nn

from deep_learning.common.checkpoint import load_checkpoint, load_float_state, save_checkpoint
from deep_learning.common.device import bf16_is_fast
from deep_learning.common.images import to_pil
from deep_learning.common.paths import model_dir
from deep_learning.common.text_encoders import PromptEncoder, load_text_encoder
from deep_learning.main_model.models import build_generator

GENERATOR_KIND = "text-to-image/generator"
SHIPPED_CHECKPOINT = model_dir("main_model") / "checkpoints" / "default.pt"


def export_generator(path: Path, generator: nn.Module, args: dict, meta: dict) -> Path:
    """The small inference checkpoint: EMA generator weights in float16, constructor args, metadata."""
    return save_checkpoint(path, kind=GENERATOR_KIND, model_args=args,
                           state={"generator": generator.state_dict()}, meta=meta, half=True)


def noise_for_seeds(seeds: Sequence[int], z_dim: int) -> torch.Tensor:
    return torch.stack([torch.randn(z_dim, generator=torch.Generator().manual_seed(int(s))) for s in seeds])


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of row vectors, lengths interpolated linearly: every frame stays as "typical" a
    point of the noise (or embedding) distribution as its ends, where a straight line passes near zero."""
    na, nb = a.norm(dim=-1, keepdim=True), b.norm(dim=-1, keepdim=True)
    ua, ub = a / na.clamp_min(1e-8), b / nb.clamp_min(1e-8)
    t = t[:, None]
    omega = torch.arccos((ua * ub).sum(-1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    if float(omega.abs().max()) < 1e-4:  # the same direction: a straight line is the arc
        direction = ua + t * (ub - ua)
    else:
        direction = (torch.sin((1 - t) * omega) * ua + torch.sin(t * omega) * ub) / torch.sin(omega)
    return direction * (na + t * (nb - na))


class TextToImage:
    def __init__(self, generator: nn.Module, encoder: PromptEncoder, meta: dict, cache_size: int = 1024,
                 precision: str = "auto"):
        if precision not in ("auto", "fp32", "bf16"):
            raise ValueError(f"precision must be auto, fp32 or bf16, not {precision!r}")
        self.generator = generator.eval().requires_grad_(False).to(memory_format=torch.channels_last)
        self.bf16 = bf16_is_fast() if precision == "auto" else precision == "bf16"
        self.encoder = encoder
        self.meta = meta
        self.z_dim = generator.z_dim
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    @classmethod
    def from_checkpoint(cls, path: Path | str, encoder: PromptEncoder | None = None,
                        precision: str = "auto") -> "TextToImage":
        checkpoint = load_checkpoint(path, kind=GENERATOR_KIND)
        generator = build_generator(**checkpoint["model_args"])
        generator.load_state_dict(load_float_state(checkpoint["state"]["generator"]))
        meta = {**checkpoint["meta"], "model_args": checkpoint["model_args"]}
        if encoder is None:
            encoder = load_text_encoder(meta["text_encoder"])
        elif encoder.name != meta["text_encoder"]:
            raise ValueError(f"{path} was trained with text encoder {meta['text_encoder']!r}, not {encoder.name!r}")
        return cls(generator, encoder, meta, precision=precision)

    @property
    def image_size(self) -> int:
        return int(self.meta["model_args"]["image_size"])

    @property
    def info(self) -> dict:
        """What the API and the page show about this model."""
        training = dict(self.meta.get("training", {}))
        config = training.pop("config", {})
        training.update({key: config[key] for key in ("config", "arch", "dataset") if key in config})
        return {"image_size": self.image_size, "text_encoder": self.encoder.name, "training": training,
                "metrics": self.meta.get("metrics")}

    def embed(self, prompts: Sequence[str]) -> torch.Tensor:
        """Prompt embeddings through an LRU cache: a repeated prompt costs no encoder call."""
        with self._lock:
            missing = [p for p in dict.fromkeys(prompts) if p not in self._cache]
        if missing:
            fresh = self.encoder.encode(missing)
            with self._lock:
                for prompt, vector in zip(missing, fresh, strict=True):
                    self._cache[prompt] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            for p in prompts:
                self._cache.move_to_end(p)
            return torch.stack([self._cache[p] for p in prompts])

    @torch.inference_mode()
    def morph(self, prompts: tuple[str, str], seeds: tuple[int, int], frames: int) -> list[Image.Image]:
        """`frames` pictures on the way from (prompt, seed) to (prompt, seed): noise and prompt embedding
        interpolated along arcs together, so the first and last frames are what `__call__` draws for them."""
        text = self.embed(list(prompts))
        noise = noise_for_seeds(list(seeds), self.z_dim)
        t = torch.linspace(0, 1, frames)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            images = self.generator(slerp(noise[:1], noise[1:], t), slerp(text[:1], text[1:], t)).float()
        return to_pil(images)

    @torch.inference_mode()
    def generate(self, prompts: Sequence[str], seeds: Sequence[int]) -> torch.Tensor:
        """One image per (prompt, seed) pair in one forward pass: [-1, 1] float NCHW."""
        text = self.embed(prompts)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            return self.generator(noise_for_seeds(seeds, self.z_dim), text).float()

    def __call__(self, prompt: str, n: int = 5, seed: int = 0) -> list[Image.Image]:
        return to_pil(self.generate([prompt] * n, [seed + i for i in range(n)]))

"""CLIP score (Hessel et al. 2021, as torchmetrics defines it): 100 * max(cos(image, prompt), 0), averaged.

torchmetrics' own CLIPScore loads Hugging Face CLIP weights by name, which is a download; a text-to-image
model trained on an OpenCLIP encoder already holds the whole OpenCLIP model (both towers), so the score
is taken with that model, offline.
"""

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from open_clip import get_model_preprocess_cfg


class CLIPScore:
    def __init__(self, model, tokenizer, batch_size: int = 64):
        self.model, self.tokenizer, self.batch_size = model.eval(), tokenizer, batch_size
        cfg = get_model_preprocess_cfg(model)
        size = cfg.get("size", model.visual.image_size)
        self.size = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
        self.mean = torch.tensor(cfg.get("mean", (0.48145466, 0.4578275, 0.40821073))).view(1, 3, 1, 1)
        self.std = torch.tensor(cfg.get("std", (0.26862954, 0.26130258, 0.27577711))).view(1, 3, 1, 1)

    @classmethod
    def of_encoder(cls, encoder) -> "CLIPScore":
        """From an `OpenCLIPEncoder` (deep_learning.common.text_encoders)."""
        return cls(encoder.model, encoder.tokenizer)

    @torch.inference_mode()
    def per_image(self, images: torch.Tensor, prompts: Sequence[str]) -> torch.Tensor:
        """images: [-1, 1] NCHW, one prompt each."""
        if len(images) != len(prompts):
            raise ValueError(f"{len(images)} images but {len(prompts)} prompts")
        out = []
        for i in range(0, len(images), self.batch_size):
            x = (images[i : i + self.batch_size].float() + 1) / 2
            x = F.interpolate(x, size=self.size, mode="bicubic", align_corners=False).clamp(0, 1)
            image = F.normalize(self.model.encode_image((x - self.mean) / self.std), dim=-1)
            text = F.normalize(self.model.encode_text(self.tokenizer(list(prompts[i : i + self.batch_size]))), dim=-1)
            out.append(100 * (image * text).sum(1).clamp(min=0))
        return torch.cat(out)

    def __call__(self, images: torch.Tensor, prompts: Sequence[str]) -> float:
        return self.per_image(images, prompts).mean().item()

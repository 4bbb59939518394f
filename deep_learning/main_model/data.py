"""Training data for text to image: images in memory, every caption embedded once (cached on disk)."""

from pathlib import Path

import numpy as np
import torch

from deep_learning.common.data.emoji import load_emoji
from deep_learning.common.data.folders import load_caption_folders
from deep_learning.common.data.text_image import TRAIN, TextImageData
from deep_learning.common.images import from_uint8
from deep_learning.common.paths import CACHE_DIR
from deep_learning.common.text_encoders import PromptEncoder, encode_cached


def load_text_image_data(dataset: str, image_size: int, limit_concepts: int = 0) -> TextImageData:
    """`emoji` (the offline cache), or a folder in seed 001's Oxford-102 layout."""
    data = load_emoji(image_size) if dataset == "emoji" else load_caption_folders(Path(dataset), image_size)
    if limit_concepts:
        data = data.subset_concepts(np.arange(min(limit_concepts, len(data.concepts))))
    return data


class PromptImages:
    """The training images of the train concepts, and a caption embedding sampler for them."""

    def __init__(self, data: TextImageData, encoder: PromptEncoder, cache_dir: Path = CACHE_DIR / "embeddings"):
        self.data = data
        rows = data.split_images(TRAIN)
        self.images = from_uint8(data.images[rows])  # [-1, 1] float, small enough to keep in memory
        self.concept = torch.as_tensor(data.concept[rows])
        self.concept_class = torch.as_tensor(data.concept_class)
        flat = [caption for captions in data.captions for caption in captions]
        self.embeddings = encode_cached(encoder, flat, cache_dir)
        counts = torch.tensor([len(captions) for captions in data.captions])
        self.caption_count = counts
        self.caption_start = torch.cumsum(counts, 0) - counts

    def __len__(self) -> int:
        return len(self.images)

    def sample_captions(self, concepts: torch.Tensor) -> torch.Tensor:
        """One random caption embedding per concept, as each Oxford flower had ten captions to pick from."""
        pick = (torch.rand(len(concepts)) * self.caption_count[concepts]).long()
        return self.embeddings[self.caption_start[concepts] + pick]

    def classes_of(self, concepts: torch.Tensor) -> torch.Tensor:
        return self.concept_class[concepts]

    def canonical(self, concepts) -> torch.Tensor:
        """The embedding of each concept's canonical prompt (its first caption)."""
        return self.embeddings[self.caption_start[torch.as_tensor(concepts)]]

"""What the dcgan, pix2pix and srgan tests share: fake emoji (coloured discs on white) and a `tiny` fixture
that points a training loop at them and at a temporary run folder. Imported by those test files."""

from types import ModuleType

import numpy as np
import pytest
import torch

from deep_learning.common.data import image_split
from deep_learning.common.data.text_image import TextImageData


def fake_emoji(size: int, count: int) -> TextImageData:
    """Coloured discs on white, two images per concept, a quarter of the concepts held out."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:size, :size]
    images = np.full((count, size, size, 3), 255, np.uint8)
    for image in images:
        cx, cy = rng.uniform(size * 0.3, size * 0.7, 2)
        r = rng.uniform(size * 0.15, size * 0.35)
        image[(xx - cx) ** 2 + (yy - cy) ** 2 < r**2] = rng.integers(0, 256, 3)
    concepts = count // 2
    return TextImageData(
        images=images, concept=np.repeat(np.arange(concepts), 2), style=np.tile([0, 1], concepts),
        concepts=[f"c{i}" for i in range(concepts)], captions=[[f"c{i}"] for i in range(concepts)],
        concept_class=np.zeros(concepts, dtype=np.int64), concept_split=(np.arange(concepts) % 4 == 0).astype(np.int64),
        class_names=["all"], style_names=["a", "b"],
    )


def tiny_fixture(training_loop: ModuleType, count: int):
    """A module-scoped `tiny` fixture: training runs go to a temporary folder and read `count` fake emoji
    (through the shared image set, `image_split.load_emoji`); it returns a function making tiny configs.
    Use: `tiny = tiny_fixture(training_loop, 48)` in a test module."""

    @pytest.fixture(scope="module")
    def tiny(tmp_path_factory):
        threads = torch.get_num_threads()  # the tiny presets train on one thread; give the others theirs back
        root = tmp_path_factory.mktemp(training_loop.__name__.split(".")[-2])
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(image_split, "load_emoji", lambda size: fake_emoji(size, count))
            patch.setattr(training_loop, "model_dir", lambda name: root / name)

            def make(**overrides):
                values = {**training_loop.PRESETS["tiny"], "config": "tiny", "device": "cpu", "run": "test",
                          **overrides}
                return training_loop.Config(**values)

            yield make
        torch.set_num_threads(threads)

    return tiny


class ColourFeatures:
    """Stands in for the Inception network in evaluation tests: 4 numbers an image (its mean red, green, blue
    and its contrast), cheap enough to score a few dozen images in milliseconds. Caches nothing."""

    def features(self, images, cache=None) -> torch.Tensor:
        """uint8 images: an NCHW tensor or an NHWC array, as the Inception network takes them."""
        x = images.permute(0, 2, 3, 1) if isinstance(images, torch.Tensor) else torch.as_tensor(images)
        x = x.double() / 255
        return torch.cat([x.mean(dim=(1, 2)), x.flatten(1).std(1, keepdim=True)], dim=1)


def evaluate_tiny(evaluate: ModuleType, checkpoint, out, *flags: str) -> tuple[dict, str]:
    """Runs an evaluation command (`evaluate.main`) on a tiny checkpoint with `ColourFeatures` for Inception's, then
    reads back what it wrote into `out`: metrics.json and metrics.md, after checking that the shipped checkpoint
    beside them (named and of the kind the evaluated one is) carries the same rows and the sample grid is an image."""
    import json

    from PIL import Image

    from deep_learning.common.checkpoint import load_checkpoint

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluate, "InceptionFeatures", ColourFeatures)
        evaluate.main([f"--checkpoint={checkpoint}", f"--out_dir={out}", *flags])
    metrics = json.loads((out / "metrics.json").read_text())
    markdown = (out / "metrics.md").read_text()
    kind = load_checkpoint(checkpoint)["kind"]
    stored = load_checkpoint(out / evaluate.SHIPPED_CHECKPOINT.name, kind=kind)["meta"]["metrics"]
    assert stored == {"rows": metrics["rows"], "notes": metrics["notes"]}
    assert Image.open(out / "samples.png").size[0] > 0
    for row in metrics["rows"]:
        assert f"| {row['label']} |" in markdown
    assert metrics["notes"] in markdown and f"`{metrics['command']}`" in markdown
    return metrics, markdown


def first_digits(count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` training digits: the first real ones when the MNIST cache exists, 28 px blobs otherwise."""
    from deep_learning.common.data.mnist import CACHE_PATH, load_mnist

    if CACHE_PATH.is_file():
        images, labels = load_mnist("train")
        return images[:count].copy(), labels[:count].astype(np.int64)
    rng = np.random.default_rng(0)
    labels = np.arange(count) % 10
    images = np.zeros((count, 28, 28), np.uint8)
    for i, digit in enumerate(labels):
        y, x = 4 + digit, 4 + rng.integers(0, 10)
        images[i, y : y + 10, x : x + 6] = 255
    return images, labels.astype(np.int64)

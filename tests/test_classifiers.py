import json

import torch

from deep_learning.classifiers.models import SHIPPED, classify, load_classifier
from deep_learning.classifiers.training_loop import Config, train
from deep_learning.common.data.mnist import load_mnist
from deep_learning.common.images import from_uint8


def test_training_loop_writes_a_loadable_classifier(tmp_path, mnist_cache):
    out = tmp_path / "mnist.pt"
    metrics = train(Config(dataset="mnist", epochs=1, limit=512, batch_size=64, device="cpu", out=str(out)))
    model, meta = load_classifier(out)
    assert meta["class_names"] == [str(d) for d in range(10)] and metrics["train_images"] == 512
    assert json.loads(out.with_suffix(".json").read_text())["val_accuracy"] == metrics["val_accuracy"]
    assert classify(model, torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_shipped_mnist_classifier_is_at_least_99_percent(mnist_cache):
    model, meta = load_classifier(SHIPPED["mnist"])
    images, labels = load_mnist("test")
    logits = classify(model, from_uint8(images[:2000]))
    assert (logits.argmax(1) == torch.as_tensor(labels[:2000])).float().mean() >= 0.99
    assert meta["metrics"]["val_accuracy"] >= 0.99


def test_shipped_emoji_classifier_knows_real_emoji(emoji32):
    model, meta = load_classifier(SHIPPED["emoji"])
    assert meta["class_names"] == emoji32.class_names
    rows = slice(0, None, 10)  # spread over every category, not only the first (smileys)
    logits = classify(model, from_uint8(emoji32.images[rows]))
    accuracy = (logits.argmax(1) == torch.as_tensor(emoji32.image_class()[rows])).float().mean()
    assert accuracy > 0.5  # 95 classes: chance is about 1%

"""SRGAN: shapes, a few training steps, evaluation, checkpoint -> pipeline round trip, odd inputs.

Tiny models on tiny fake data made here, so the tests need neither the data cache nor a shipped checkpoint.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from deep_learning.classifiers.models import KIND as CLASSIFIER_KIND
from deep_learning.classifiers.models import ImageClassifier
from deep_learning.common.checkpoint import load_checkpoint, save_checkpoint
from deep_learning.srgan import evaluate, training_loop
from deep_learning.srgan.models import KIND, Discriminator, Generator
from deep_learning.srgan.perceptual import ClassifierFeatureLoss
from deep_learning.srgan.pipeline import MAX_INPUT_SIDE, SHIPPED_CHECKPOINT, SuperResolutionPipeline
from tests.gan_fixtures import evaluate_tiny, tiny_fixture

tiny = tiny_fixture(training_loop, count=40)


@pytest.mark.parametrize("size", [(16, 16), (10, 7), (1, 3)])
def test_generator_is_fully_convolutional(size):
    torch.manual_seed(0)
    generator = Generator(channels=8, blocks=1)
    low = torch.rand(2, 3, *size) * 2 - 1
    assert generator(low).shape == (2, 3, size[0] * 4, size[1] * 4)
    # an untrained generator is bicubic interpolation: training learns only the residual detail
    torch.testing.assert_close(generator(low), F.interpolate(low, scale_factor=4, mode="bicubic"))
    assert Discriminator((8, 8))(torch.rand(2, 3, 16, 24)).shape == (2,)


def test_aligned_crops():
    high = torch.arange(2 * 3 * 16 * 16).reshape(2, 3, 16, 16)
    low = high[:, :, ::4, ::4]
    high_crop, low_crop = training_loop.random_crops(high, low, crop=8, scale=4)
    assert high_crop.shape == (2, 3, 8, 8) and low_crop.shape == (2, 3, 2, 2)
    torch.testing.assert_close(high_crop[:, :, ::4, ::4], low_crop)


def test_perceptual_loss_uses_the_classifier_features():
    torch.manual_seed(0)
    loss = ClassifierFeatureLoss(ImageClassifier(num_classes=5, width=4))
    target = torch.rand(2, 3, 24, 24) * 2 - 1
    output = (target + 0.3 * torch.randn_like(target)).requires_grad_()
    assert float(loss(target, target)) == 0
    value = loss(output, target)
    value.backward()
    assert value > 0 and output.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in loss.parameters())
    assert not loss.train().training  # BatchNorm stays in eval mode


@pytest.fixture(scope="module")
def shipped(tiny):
    return training_loop.train(tiny(run="shipped")) / "srgan.pt"


def test_training_writes_run(shipped):
    run = shipped.parent
    rows = [line for line in (run / "log.jsonl").read_text().splitlines() if line]
    assert len(rows) == 3 and '"adversarial": false' in rows[0] and '"adversarial": true' in rows[2]
    assert (run / "samples" / "epoch0003.png").is_file() and (run / "progress.png").is_file()
    for stage in ("srresnet", "srgan"):
        shipped = load_checkpoint(run / f"{stage}.pt", kind=KIND)
        assert shipped["meta"]["stage"] == stage and shipped["state"]["examples"].dtype == torch.uint8


def test_gan_stage_adds_the_perceptual_loss(tiny, tmp_path):
    """The perceptual network is read from a classifier checkpoint (here a tiny random one) when the GAN
    stage starts; pretraining runs without it."""
    torch.manual_seed(0)
    args = {"num_classes": 3, "width": 4}
    network = save_checkpoint(tmp_path / "classifier.pt", kind=CLASSIFIER_KIND, model_args=args,
                              state={"model": ImageClassifier(**args).state_dict()})
    run = training_loop.train(tiny(run="perceptual", epochs=2, perceptual_weight=1.0, perceptual_network=str(network)))
    rows = [line for line in (run / "log.jsonl").read_text().splitlines() if line]
    assert "loss_perceptual" not in rows[0] and "loss_perceptual" in rows[1]
    assert "classifier" in load_checkpoint(run / "srgan.pt")["meta"]["training"]["perceptual_loss"]
    with pytest.raises(FileNotFoundError, match="perceptual_weight=0"):
        training_loop.train(tiny(run="missing", epochs=2, perceptual_weight=1.0, perceptual_network="nowhere.pt"))


@pytest.fixture
def pipeline(shipped):
    return SuperResolutionPipeline.from_checkpoint(shipped)


def test_pipeline_round_trip(shipped):
    pipeline, again = (SuperResolutionPipeline.from_checkpoint(shipped) for _ in range(2))
    low = pipeline.example_low_res(3)
    assert low.size == (4, 4) and pipeline.example_high_res(3).size == (16, 16)
    first, second = pipeline(low), again(low)
    assert set(first) == {"low_res", "bicubic", "enhanced"}
    assert first["enhanced"].size == first["bicubic"].size == (16, 16)
    np.testing.assert_array_equal(np.asarray(first["enhanced"]), np.asarray(second["enhanced"]))
    assert {"image_size", "training", "metrics"} <= set(pipeline.info) and "title" not in pipeline.info


@pytest.mark.parametrize(("mode", "size", "low_size"), [
    ("RGBA", (12, 12), (12, 12)), ("L", (9, 5), (9, 5)), ("P", (16, 16), (16, 16)), ("LA", (3, 20), (3, 20)),
    ("RGB", (300, 200), (MAX_INPUT_SIDE, 85)), ("I;16", (20, 20), (20, 20)),
])
def test_pipeline_accepts_odd_images(pipeline, mode, size, low_size):
    result = pipeline(Image.new(mode, size, color=1))
    assert result["low_res"].size == low_size and result["low_res"].mode == "RGB"
    assert result["enhanced"].size == result["bicubic"].size == (low_size[0] * 4, low_size[1] * 4)


def test_transparent_pixels_become_white(pipeline):
    result = pipeline(Image.new("RGBA", (8, 8), (255, 0, 0, 0)))
    assert np.asarray(result["low_res"]).min() == 255


def test_shipped_checkpoint():
    """What the backend loads: small, evaluated, and it enlarges its own example 4x."""
    assert SHIPPED_CHECKPOINT.stat().st_size < 10 * 2**20
    pipeline = SuperResolutionPipeline.from_checkpoint()
    assert pipeline.info["metrics"]["rows"] and pipeline.info["metrics"]["notes"]
    low = pipeline.example_low_res(0)
    assert low.size == (16, 16) and pipeline(low)["enhanced"].size == (64, 64)


def test_evaluation_writes_a_report_it_can_read_back(shipped, tmp_path):
    """`python deep_learning/srgan/evaluate.py` end to end on the tiny model, with the same model standing in
    for the no-GAN baseline (cheap features for Inception's)."""
    out = tmp_path / "report"
    metrics, markdown = evaluate_tiny(evaluate, shipped, out, f"--baseline={shipped}", "--pairs=6", "--fid_images=4")
    reference, bicubic, baseline, model = metrics["rows"]
    assert reference["train"] == {} and bicubic["label"] == "bicubic (PIL)" and "shipped" in model["label"]
    assert baseline["test"] == {key: value for key, value in model["test"].items() if key in baseline["test"]}
    assert 0 <= model["test"]["images_below_bicubic_psnr"] <= 6 and bicubic["test"]["psnr"] > 0
    assert f"FID {model['test']['fid']} vs {bicubic['test']['fid']}" in metrics["notes"]
    assert markdown.startswith("# SRGAN: evaluation\n") and "| train PSNR | train SSIM | test PSNR" in markdown


def test_psnr_is_one_formula_in_training_and_evaluation():
    """The training log's PSNR ([-1, 1] tensors) and the evaluation's (uint8 images) agree; 100 dB for a copy."""
    from deep_learning.common.images import to_uint8
    from deep_learning.common.metrics.scores import psnr
    torch.manual_seed(0)
    a, b = torch.rand(3, 3, 8, 8) * 2 - 1, torch.rand(3, 3, 8, 8) * 2 - 1
    ours = evaluate.per_image_psnr(to_uint8(a).permute(0, 2, 3, 1).numpy(), to_uint8(b).permute(0, 2, 3, 1).numpy())
    assert training_loop.mean_psnr(a, b) == pytest.approx(float(ours.mean()))
    error = ((to_uint8(a).double() - to_uint8(b).double()) ** 2).flatten(1).mean(1)
    torch.testing.assert_close(ours, 10 * torch.log10(255**2 / error))
    assert float(psnr(a, a, data_range=2.0)[0]) == pytest.approx(100.0)

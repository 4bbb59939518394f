"""Metric properties in torch-fidelity's spirit: identities, orderings, batch independence."""

import pytest
import torch

from deep_learning.common.metrics import scores
from deep_learning.common.metrics.inception import InceptionFeatures


@pytest.fixture(scope="module")
def inception():
    return InceptionFeatures()


def test_fid_of_a_set_against_itself_is_zero():
    features = torch.randn(300, 32, generator=torch.Generator().manual_seed(0))
    assert scores.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)


def test_fid_grows_with_distance_between_distributions():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(400, 16, generator=g)
    near, far = torch.randn(400, 16, generator=g) + 0.1, torch.randn(400, 16, generator=g) + 2.0
    assert scores.frechet_distance(real, near) < scores.frechet_distance(real, far)
    assert scores.frechet_distance(real, far) == pytest.approx(16 * 4.0, rel=0.15)  # |mu diff|^2 dominates


def test_kid_is_near_zero_for_one_distribution_and_positive_for_another():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(200, 16, generator=g), torch.randn(200, 16, generator=g)
    same, _ = scores.kernel_distance(a, b, subset_size=100)
    different, _ = scores.kernel_distance(a, b + 1.0, subset_size=100)
    assert abs(same) < 0.01 < different


def test_inception_score_bounds():
    assert scores.inception_score(torch.zeros(50, 10))[0] == pytest.approx(1.0)  # uniform: no information
    confident = torch.eye(10).repeat(5, 1) * 100  # confident and evenly spread: the maximum
    assert scores.inception_score(confident)[0] == pytest.approx(10.0, rel=1e-3)
    one_class = torch.zeros(50, 10)
    one_class[:, 3] = 100  # confident but always the same class
    assert scores.inception_score(one_class)[0] == pytest.approx(1.0, abs=1e-3)


def test_inception_score_does_not_depend_on_order():
    logits = torch.randn(64, 10, generator=torch.Generator().manual_seed(0)) * 3
    assert scores.inception_score(logits)[0] == pytest.approx(scores.inception_score(logits.flip(0))[0], abs=1e-5)


def test_accuracy():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 1.0]])
    assert scores.accuracy(logits, torch.tensor([0, 1, 1])) == pytest.approx(2 / 3)


def test_inception_features_shape_and_batch_independence(inception):
    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    together = inception(images)
    alone = inception(images[:1])
    assert together.shape == (4, 2048) and (together >= 0).all()
    assert torch.allclose(together[0], alone[0], atol=1e-3)


def test_inception_fid_real_vs_noise_is_large(inception, emoji32):
    real = torch.as_tensor(emoji32.images[:24]).permute(0, 3, 1, 2)
    other = torch.as_tensor(emoji32.images[24:48]).permute(0, 3, 1, 2)
    noise = torch.randint(0, 256, real.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    f_real, f_other, f_noise = inception(real), inception(other), inception(noise)
    assert scores.frechet_distance(f_real, f_noise) > 2 * scores.frechet_distance(f_real, f_other)


def test_inception_takes_uint8_only(inception):
    with pytest.raises(TypeError, match="uint8"):
        inception(torch.rand(1, 3, 32, 32))


def test_features_of_many_images_in_batches_arrays_and_a_cache(inception, tmp_path):
    images = torch.randint(0, 256, (5, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    whole = inception(images)
    assert torch.allclose(inception.features(images, batch_size=2), whole, atol=1e-3)
    assert torch.allclose(inception.features(images.permute(0, 2, 3, 1).numpy()), whole, atol=1e-3)  # NHWC array
    cache = tmp_path / "features" / "set.pt"
    first = inception.features(images, cache=cache)
    assert cache.is_file()
    assert torch.equal(inception.features(images[:1], cache=cache), first)  # read back, not recomputed

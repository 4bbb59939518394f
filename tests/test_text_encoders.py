import open_clip
import pytest
import torch

from deep_learning.common.text_encoders import encode_cached, load_text_encoder


def test_minilm_is_frozen_normalised_and_meaningful(minilm):
    vectors = minilm.encode(["red flower", "crimson blossom", "blue bird"])
    assert vectors.shape == (3, 384) and minilm.dim == 384 and minilm.name == "minilm"
    assert torch.allclose(vectors.norm(dim=1), torch.ones(3), atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert not any(p.requires_grad for p in minilm.model.parameters()) and not minilm.model.training


def test_minilm_batching_does_not_change_embeddings(minilm):
    together = minilm.encode(["a red apple", "a very long prompt about a small green frog on a leaf"])
    alone = minilm.encode(["a red apple"])
    assert torch.allclose(together[0], alone[0], atol=1e-5)


def test_clip_loads_local_weights_through_the_real_path(tiny_clip_file):
    original, path = tiny_clip_file
    encoder = load_text_encoder(f"clip:tiny-clip-test:{path}")
    assert encoder.name == f"clip:tiny-clip-test:{path}" and encoder.dim == 32
    vectors = encoder.encode(["red", "a blue car"])
    assert vectors.shape == (2, 32)
    expected = torch.nn.functional.normalize(
        original.encode_text(open_clip.get_tokenizer("tiny-clip-test")(["red", "a blue car"])), dim=-1)
    assert torch.allclose(vectors, expected, atol=1e-5)


def test_unknown_encoder_is_refused():
    with pytest.raises(ValueError, match="unknown text encoder"):
        load_text_encoder("word2vec")


class CountingEncoder:
    name, dim = "counting", 4

    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        return torch.stack([torch.tensor([len(t), 1.0, 0.0, 0.0]) for t in texts])


def test_dataset_embeddings_are_computed_once(tmp_path):
    encoder = CountingEncoder()
    first = encode_cached(encoder, ["a", "bb"], tmp_path)
    second = encode_cached(encoder, ["a", "bb"], tmp_path)
    assert encoder.calls == 1 and torch.equal(first, second)
    encode_cached(encoder, ["a", "ccc"], tmp_path)  # other captions: another cache entry
    assert encoder.calls == 2 and len(list(tmp_path.glob("*.pt"))) == 2

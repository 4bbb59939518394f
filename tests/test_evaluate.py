"""The evaluation command on real-vs-real slices: sane numbers, sample counts stated, files written."""

import json

import torch

from deep_learning import evaluate
from deep_learning.main_model.pipeline import TextToImage
from tests.tiny_models import tiny_text_to_image


def test_evaluate_real_and_a_tiny_model(tmp_path, emoji32):
    model = TextToImage.from_checkpoint(tiny_text_to_image(tmp_path / "t2i.pt"))
    out = tmp_path / "report"
    report = evaluate.main(["--model", f"tiny={tmp_path / 't2i.pt'}", "--samples=12", "--references=12",
                            "--limit_concepts=200", "--out", str(out)])
    real, tiny = report["rows"]
    assert real["label"] == "real data" and tiny["label"] == "tiny"
    assert report["samples"] == {"train": 12, "test": 12} and report["references"]["test"] > 0
    for split in ("train", "test"):
        assert 0 <= real[split]["fid"] < tiny[split]["fid"]  # real images are closer to real ones than noise
        assert real[split]["is"] >= 1.0 and 0 <= real[split]["class_accuracy"] <= 1
    assert json.loads(out.with_suffix(".json").read_text())["rows"][1]["label"] == "tiny"
    table = out.with_suffix(".md").read_text()
    assert "| real data |" in table and "12 train-prompt and 12 held-out-prompt images" in table
    assert model.generate(["x"], [0]).shape == (1, 3, 32, 32)


def test_halves_are_disjoint_and_deterministic(emoji32):
    a_ref, a_cand = evaluate.halves(emoji32, 1, samples=50, references=100)
    b_ref, b_cand = evaluate.halves(emoji32, 1, samples=50, references=100)
    assert set(a_ref).isdisjoint(a_cand) and list(a_ref) == list(b_ref) and len(a_cand) == 50
    assert torch.equal(torch.as_tensor(a_cand), torch.as_tensor(b_cand))

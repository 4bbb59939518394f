"""The evaluation command on real-vs-real slices: sane numbers, sample counts stated, files written."""

import json

import open_clip
import pytest
import torch

from deep_learning.main_model import evaluate
from deep_learning.main_model.pipeline import TextToImage
from tests.tiny_models import tiny_text_to_image


def test_evaluate_real_and_a_tiny_model(tmp_path, emoji32):
    model = TextToImage.from_checkpoint(tiny_text_to_image(tmp_path / "t2i.pt"))
    out = tmp_path / "report"
    report = evaluate.main(["--model", f"tiny={tmp_path / 't2i.pt'}", "--samples=12", "--references=12",
                            "--limit_concepts=200", "--diversity_prompts=4", "--out", str(out)])
    real, tiny = report["rows"]
    assert real["label"] == "real data" and tiny["label"] == "tiny"
    assert report["samples"] == {"train": 12, "test": 12} and report["references"]["test"] > 0
    for split in ("train", "test"):
        assert 0 <= real[split]["fid"] < tiny[split]["fid"]  # real images are closer to real ones than noise
        assert real[split]["is"] >= 1.0 and 0 <= real[split]["class_accuracy"] <= 1
        assert real[split]["concept_top5"] > tiny[split]["concept_top5"]  # the judge knows real emoji
        assert real[split]["diversity"] == 1.0 and tiny[split]["diversity"] >= 0
        assert real[split]["pixel_diversity"] == 1.0 and tiny[split]["pixel_diversity"] >= 0
        assert real[split]["concept_top1"] > tiny[split]["concept_top1"]
        assert real[split]["concept_top1"] <= real[split]["concept_top5"]
    assert json.loads(out.with_suffix(".json").read_text())["rows"][1]["label"] == "tiny"
    table = out.with_suffix(".md").read_text()
    assert "| real data |" in table and "12 train-prompt and 12 held-out-prompt images" in table
    assert model.generate(["x"], [0]).shape == (1, 3, 32, 32)


def test_halves_are_disjoint_and_deterministic(emoji32):
    a_ref, a_cand = evaluate.halves(emoji32, 1, samples=50, references=100)
    b_ref, b_cand = evaluate.halves(emoji32, 1, samples=50, references=100)
    assert set(a_ref).isdisjoint(a_cand) and list(a_ref) == list(b_ref) and len(a_cand) == 50
    assert torch.equal(torch.as_tensor(a_cand), torch.as_tensor(b_cand))


def test_concept_and_diversity_metrics_on_known_inputs():
    from deep_learning.common.metrics import scores
    logits = torch.tensor([[5.0, 4, 3, 2, 1, 0], [0.0, 1, 2, 3, 4, 5]])
    assert scores.top_k_accuracy(logits, torch.tensor([4, 5]), k=5) == 1.0
    assert scores.top_k_accuracy(logits, torch.tensor([5, 0]), k=5) == 0.0
    real = [torch.tensor([[0.0, 0], [2, 0]]), torch.tensor([[0.0, 0], [0, 2]])]
    assert scores.diversity_ratio(real, real) == 1.0
    collapsed = [torch.zeros(4, 2), torch.zeros(4, 2)]
    assert scores.diversity_ratio(collapsed, real) == 0.0
    assert scores.diversity_ratio([g * 0.5 for g in real], real) == pytest.approx(0.5)


def test_shipped_concept_judge_recognises_real_emoji(emoji32):
    from deep_learning.classifiers.models import SHIPPED, classify, load_classifier
    from deep_learning.common.images import from_uint8
    from deep_learning.common.metrics import scores
    judge, meta = load_classifier(SHIPPED["emoji_concept"])
    assert meta["class_names"] == emoji32.concepts and meta["metrics"]["val_top5"] > 0.8
    rows = torch.arange(0, len(emoji32.images), 25)
    logits = classify(judge, from_uint8(emoji32.images[rows]))
    assert scores.top_k_accuracy(logits, torch.as_tensor(emoji32.concept[rows]), 5) > 0.8


def test_clip_score_is_hessel_et_al_with_the_models_own_clip(tiny_clip_file):
    from deep_learning.common.metrics.clip_score import CLIPScore
    from deep_learning.common.text_encoders import load_text_encoder
    model, path = tiny_clip_file
    scorer = CLIPScore.of_encoder(load_text_encoder(f"clip:tiny-clip-test:{path}"))
    images, prompts = torch.rand(3, 3, 16, 16) * 2 - 1, ["red apple", "a blue car", "frog"]
    pixels = torch.nn.functional.interpolate((images + 1) / 2, size=(32, 32), mode="bicubic").clamp(0, 1)
    mean = torch.tensor(open_clip.OPENAI_DATASET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(open_clip.OPENAI_DATASET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        cos = torch.nn.functional.cosine_similarity(model.encode_image((pixels - mean) / std),
                                                    model.encode_text(open_clip.tokenize(prompts)))
    assert torch.allclose(scorer.per_image(images, prompts), 100 * cos.clamp(min=0), atol=1e-3)
    assert scorer(images, prompts) == pytest.approx(100 * cos.clamp(min=0).mean().item(), abs=1e-3)
    with pytest.raises(ValueError, match="3 images but 2 prompts"):
        scorer(images, prompts[:2])


def test_evaluate_reports_clip_score_where_the_encoder_is_clip(tmp_path, tiny_clip_file, emoji32):
    _, weights = tiny_clip_file
    checkpoint = tiny_text_to_image(tmp_path / "clip.pt", text_dim=32, encoder=f"clip:tiny-clip-test:{weights}")
    minilm = tiny_text_to_image(tmp_path / "minilm.pt")
    report = evaluate.main(["--model", f"clip={checkpoint}", "--model", f"minilm={minilm}",
                            "--samples=8", "--references=8", "--limit_concepts=200", "--diversity_prompts=2",
                            "--out", str(tmp_path / "report")])
    real, clip, minilm = report["rows"]
    for split in ("train", "test"):
        assert 0 <= real[split]["clip_score"] <= 100 and 0 <= clip[split]["clip_score"] <= 100
        assert "clip_score" not in minilm[split]
    assert "clip_score train" in (tmp_path / "report.md").read_text()
    assert "tiny-clip-test" in report["clip_network"]


def test_a_smaller_model_is_scored_through_its_second_stage(tmp_path, emoji32):
    from deep_learning.srgan.pipeline import SHIPPED_CHECKPOINT
    checkpoint = tiny_text_to_image(tmp_path / "t2i.pt")  # 32 px
    common = ["--image_size=64", "--samples=6", "--references=6", "--limit_concepts=100", "--diversity_prompts=2"]
    with pytest.raises(SystemExit):  # 32 px images at a 64 px evaluation, and no second stage named
        evaluate.main(["--model", f"tiny={checkpoint}", *common])
    report = evaluate.main(["--model", f"bicubic={checkpoint}", "--model", f"sr={checkpoint}", *common,
                            "--second_stage=bicubic=bicubic", f"--second_stage=sr={SHIPPED_CHECKPOINT}",
                            "--out", str(tmp_path / "report")])
    real, bicubic, sr = report["rows"]
    assert real["test"]["fid"] < bicubic["test"]["fid"]
    assert report["image_size"] == 64 and report["second_stages"]["bicubic"] == (32, "bicubic")
    assert bicubic["test"]["fid"] != sr["test"]["fid"]  # two different second stages, two different images
    assert "its 32 px images brought to 64 px by bicubic" in (tmp_path / "report.md").read_text()
    evaluate.main(["--model", f"a={checkpoint}", "--model", f"b={tiny_text_to_image(tmp_path / 'b.pt')}", *common,
                   "--second_stage=a=bicubic", "--second_stage=b=bicubic", "--store", "--store_table=a"])
    stored = {name: TextToImage.from_checkpoint(path).meta["metrics"]["rows"]
              for name, path in (("a", checkpoint), ("b", tmp_path / "b.pt"))}
    assert [row["label"] for row in stored["a"]] == ["real data", "a", "b"]  # the whole comparison
    assert [row["label"] for row in stored["b"]] == ["real data", "b"]
    images = evaluate.second_stage(TextToImage.from_checkpoint(checkpoint).generate, 64, str(SHIPPED_CHECKPOINT))(
        ["red apple"], [0])
    assert images.shape == (1, 3, 64, 64) and images.abs().max() <= 1

"""Text to image on tiny configs: shapes, learning, save/load, exact resume, prompts matter, DDP."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from deep_learning.common.checkpoint import CheckpointError
from deep_learning.main_model import generate
from deep_learning.main_model.losses import adversarial_d
from deep_learning.main_model.models import build_discriminator, build_generator
from deep_learning.main_model.pipeline import TextToImage
from deep_learning.main_model.training_loop import PRESETS, Config, Trainer

REPO = Path(__file__).resolve().parents[1]


def tiny(tmp_path, preset: str = "default", **overrides) -> Config:
    values = {**PRESETS[preset], "config": preset, "limit_concepts": 12, "g_width": 8, "d_width": 8,
              "batch_size": 8, "epochs": 1, "saved": str(tmp_path), "run": "tiny", "device": "cpu", "threads": 1}
    if preset == "seed001":
        values.update(g_width=32, d_width=8)
    return Config(**{**values, **overrides})


@pytest.mark.parametrize("arch", ["seed001", "dfgan"])
@pytest.mark.parametrize("size", [32, 64])
def test_shapes(arch, size):
    g = build_generator(arch, text_dim=384, image_size=size, z_dim=100, width=32 if arch == "seed001" else 8)
    d = build_discriminator(arch, text_dim=384, num_classes=7, image_size=size, width=8)
    images = g(torch.randn(3, 100), torch.randn(3, 384))
    assert images.shape == (3, 3, size, size) and images.abs().max() <= 1
    real_fake, match, classes, wrong = d(images, torch.randn(3, 384), torch.randn(3, 384))
    assert real_fake.shape == match.shape == wrong.shape == (3,) and classes.shape == (3, 7)
    assert d(images, torch.randn(3, 384))[3] is None


def test_bad_image_size_is_refused():
    with pytest.raises(ValueError, match="power of two"):
        build_generator("dfgan", text_dim=8, image_size=48)


@pytest.mark.parametrize("preset", ["default", "seed001"])
def test_discriminator_steps_lower_its_loss_on_a_fixed_batch(tmp_path, preset):
    trainer = Trainer(tiny(tmp_path, preset))
    real = trainer.data.images[:8]
    text = trainer.data.canonical(trainer.data.concept[:8])
    with torch.no_grad():
        fake = trainer.generator(torch.randn(8, trainer.config.z_dim), text)

    def loss():
        rf_real, m_real, _, m_wrong = trainer.discriminator(real, text, text.roll(1, 0))
        rf_fake, m_fake, _, _ = trainer.discriminator(fake, text)
        loss = trainer.config.loss
        return (adversarial_d(rf_real, rf_fake, loss) + adversarial_d(m_real, m_fake, loss)
                + adversarial_d(None, m_wrong, loss))

    before = loss().item()
    for _ in range(15):
        trainer.opt_d.zero_grad()
        loss().backward()
        trainer.opt_d.step()
    assert loss().item() < before


def test_training_writes_a_run_folder_and_a_loadable_generator(tmp_path):
    generator_path = Trainer(tiny(tmp_path, epochs=2)).train()
    run = tmp_path / "tiny"
    assert {"training_options.json", "log.jsonl", "progress.png", "generator.pt"} <= {p.name for p in run.iterdir()}
    assert sorted(p.name for p in run.glob("checkpoint-epoch*.pt")) == ["checkpoint-epoch0001.pt",
                                                                         "checkpoint-epoch0002.pt"]
    assert (run / "samples" / "epoch0002.png").is_file()
    pipeline = TextToImage.from_checkpoint(generator_path)
    first = pipeline.generate(["red apple", "red apple"], [3, 4])
    again = pipeline.generate(["red apple"], [4])
    assert first.shape == (2, 3, 32, 32)
    assert torch.allclose(first[1:], again, atol=1e-5)  # image i depends on its seed only, not on its batch
    assert pipeline.meta["training"]["epochs"] == 2 and pipeline.meta["train_prompts"]
    images = pipeline("red apple", n=5, seed=11)
    assert len(images) == 5 and images[0].size == (32, 32)
    assert [im.tobytes() for im in pipeline("red apple", n=5, seed=11)] == [im.tobytes() for im in images]


def test_generate_cli_writes_what_the_pipeline_draws(tmp_path):
    path = Trainer(tiny(tmp_path)).train()
    written = generate.main(["red apple", "blue car", "--n=3", "--seed=7", f"--checkpoint={path}",
                             f"--out={tmp_path / 'out'}"])
    names = [f"{name}-{seed}.png" for name in ("red-apple", "blue-car") for seed in (7, 8, 9)]
    assert [p.name for p in written] == names
    expected = TextToImage.from_checkpoint(path)("blue car", n=3, seed=7)[2]
    assert Image.open(written[-1]).tobytes() == expected.tobytes()
    grid, labelled = generate.main(["--showcase", "--n=4", f"--checkpoint={path}", f"--out={tmp_path / 'grid.png'}"])
    rows = [row.split(": ", 1) for row in (tmp_path / "grid_prompts.txt").read_text().splitlines()]
    meta = TextToImage.from_checkpoint(path).meta
    splits = {"train": meta["train_prompts"], "held-out": meta["test_prompts"]}
    assert rows and all(prompt in splits[split] for split, prompt in rows)
    assert len(rows) == sum(min(8, len(prompts)) for prompts in splits.values())  # too few panel words: a pick
    columns = 6 + 1 + 4  # the real emoji in each of the six styles, a gap, four seeds
    assert Image.open(grid).size == (2 * (columns * 34 + 2), 2 * (len(rows) * 34 + 2))  # 32 px, 2 px gaps, x2
    cells = np.asarray(Image.open(grid).convert("RGB"))[4 : 4 + 64, 4 : 4 + columns * 68].reshape(64, columns, 68, 3)
    assert (cells[:, 6] == 255).all() and not (cells[:, 0] == 255).all()  # a white gap after a real emoji
    width, height = Image.open(labelled).size  # the same, with a margin of prompt labels on the left
    assert height == 2 * (len(rows) * 34 + 2) and width > 2 * (columns * 34 + 2) + 40
    margin = np.asarray(Image.open(labelled).convert("L"))[:, : width - 2 * (columns * 34 + 2)]
    assert (margin < 128).any(axis=1)[2 * 2 + 32 - 4 : 2 * 2 + 32 + 4].any()  # ink beside the first row


def test_the_showcase_is_the_everyday_panel_beside_the_real_emoji():
    pipeline = TextToImage.from_checkpoint(REPO / "deep_learning/main_model/checkpoints/default.pt")
    rows = generate.showcase_prompts(pipeline)
    assert [prompt for _, prompt in rows] == list(generate.PANEL)  # every panel word is an emoji concept
    assert {split for split, _ in rows} == {"train", "held-out"} and rows[0] == ("train", "cat")


def test_shipped_model_draws_different_prompts_differently():
    pipeline = TextToImage.from_checkpoint(REPO / "deep_learning/main_model/checkpoints/default.pt")
    apple, sky = pipeline.generate(["red apple", "blue square"], [5, 5])
    assert (apple - sky).abs().mean() > 0.05  # text steers the picture, not only the noise


def test_bfloat16_inference_matches_float32():
    path = REPO / "deep_learning/main_model/checkpoints/default.pt"
    fp32 = TextToImage.from_checkpoint(path, precision="fp32").generate(["red apple", "blue car"], [1, 2])
    bf16 = TextToImage.from_checkpoint(path, precision="bf16").generate(["red apple", "blue car"], [1, 2])
    assert fp32.dtype == bf16.dtype == torch.float32
    assert (fp32 - bf16).abs().mean() < 0.02  # under 3 of 255 grey levels on average
    with pytest.raises(ValueError, match="precision"):
        TextToImage.from_checkpoint(path, precision="fp16")


def test_resume_continues_bit_for_bit(tmp_path):
    whole = Trainer(tiny(tmp_path / "a", epochs=2))
    whole.train()
    Trainer(tiny(tmp_path / "b", epochs=1)).train()
    resumed = Trainer(tiny(tmp_path / "b", epochs=2, resume=True))
    resumed.train()
    assert resumed.step == whole.step == 2 * (len(whole.epoch_order()) // 8)
    for name, tensor in whole.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[name]), name
    log = [line for line in (tmp_path / "b" / "tiny" / "log.jsonl").read_text().splitlines() if line]
    assert len(log) == 2  # one row per epoch, none repeated


def test_encoder_mismatch_and_broken_checkpoints_are_refused(tmp_path, minilm):
    path = Trainer(tiny(tmp_path)).train()
    minilm_named_otherwise = type("Other", (), {"name": "clip:ViT-B-32:openai", "dim": 384})()
    with pytest.raises(ValueError, match="trained with text encoder 'minilm'"):
        TextToImage.from_checkpoint(path, encoder=minilm_named_otherwise)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match=str(path)):
        TextToImage.from_checkpoint(path, encoder=minilm)


def test_two_processes_with_torchrun_agree_on_the_weights(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29517",
                    str(REPO / "tests" / "ddp_worker.py"), str(tmp_path)], check=True, env=env, cwd=tmp_path,
                   timeout=300)
    rank0, rank1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert rank0["world_size"] == 2 and rank0["step"] == rank1["step"] > 0
    for part in ("generator", "discriminator"):
        for name, tensor in rank0[part].items():
            if tensor.is_floating_point() and not name.endswith(("_u", "_v", "running_mean", "running_var")):
                assert torch.allclose(tensor, rank1[part][name], atol=1e-6), (part, name)
    assert (tmp_path / "ddp" / "generator.pt").is_file()


def test_warm_start_continues_the_exported_generator_and_discriminator(tmp_path):
    from deep_learning.main_model.training_loop import discriminator_path
    first = Trainer(tiny(tmp_path / "a")).train()
    assert discriminator_path(first).is_file()
    warm = Trainer(tiny(tmp_path / "b", init_from=str(first)))
    warm.init_from(first)
    exported = TextToImage.from_checkpoint(first).generator.state_dict()
    for name, value in warm.generator.state_dict().items():
        assert torch.allclose(value, exported[name].float(), atol=1e-3), name
    trained_d = torch.load(discriminator_path(first), weights_only=True)["state"]["discriminator"]
    assert torch.allclose(warm.discriminator.state_dict()["from_rgb.parametrizations.weight.original"],
                          trained_d["from_rgb.parametrizations.weight.original"].float(), atol=1e-3)
    with pytest.raises(ValueError, match="was built with"):
        Trainer(tiny(tmp_path / "c", g_width=16)).init_from(first)


def test_best_of_pair_l1_pulls_only_the_nearer_image_of_each_pair():
    from deep_learning.main_model.losses import best_of_pair_l1
    real = torch.zeros(4, 3, 2, 2)
    real[2] = 1.0  # the second pair's real image
    fake = torch.stack([torch.full((3, 2, 2), v) for v in (0.5, -0.1, 0.2, 0.9)])
    # pair (0, 1) against real 0: min(0.5, 0.1); pair (2, 3) against real 2: min(0.8, 0.1)
    assert best_of_pair_l1(fake, real).item() == pytest.approx(0.1)
    fake.requires_grad_(True)
    best_of_pair_l1(fake, real).backward()
    assert [bool(g.abs().sum()) for g in fake.grad] == [False, True, False, True]
    assert best_of_pair_l1(fake[:3], real[:3]).isfinite()  # an odd batch: the last image sits out


def test_recon_option_trains(tmp_path):
    model = TextToImage.from_checkpoint(Trainer(tiny(tmp_path, recon_weight=1.0)).train())
    assert model.generate(["a", "b"], [0, 1]).isfinite().all()


def test_warm_start_at_twice_the_resolution_grows_both_networks(tmp_path):
    from deep_learning.main_model.training_loop import discriminator_path
    small = Trainer(tiny(tmp_path / "a", g_width=16, d_width=16)).train()
    grown = Trainer(tiny(tmp_path / "b", image_size=64))  # width 8: the same channels one level down
    grown.init_from(small)
    source_g = TextToImage.from_checkpoint(small).generator.state_dict()
    for name, value in grown.generator.state_dict().items():
        if name.startswith(("fc.", "blocks.0.", "blocks.1.", "blocks.2.")):
            assert torch.allclose(value, source_g[name].float(), atol=1e-3), name
    source_d = torch.load(discriminator_path(small), weights_only=True)["state"]["discriminator"]
    own_d = grown.discriminator.state_dict()
    moved = [k for k in source_d if k.startswith("blocks.")]
    assert moved
    for name in moved:
        index, _, tail = name.removeprefix("blocks.").partition(".")
        assert torch.allclose(own_d[f"blocks.{int(index) + 1}.{tail}"], source_d[name].float(), atol=1e-3), name
    assert grown.generator(torch.randn(2, 100), torch.randn(2, 384)).shape == (2, 3, 64, 64)
    with pytest.raises(ValueError, match="was built with"):
        Trainer(tiny(tmp_path / "c", image_size=64, z_dim=64)).init_from(small)


def test_a_grown_skip_generator_starts_as_its_half_resolution_export_enlarged(tmp_path):
    small = Trainer(tiny(tmp_path / "a", g_width=16, d_width=16)).train()
    grown = Trainer(tiny(tmp_path / "b", image_size=64, rgb_skip=True))
    grown.init_from(small)
    source = TextToImage.from_checkpoint(small, precision="fp32")
    z, text = torch.randn(3, source.z_dim), source.embed(["red apple", "blue car", "frog"])
    with torch.no_grad():
        before = torch.nn.functional.interpolate(source.generator(z, text), scale_factor=2, mode="bilinear")
        after = grown.generator.eval()(z, text)
    assert after.shape == (3, 3, 64, 64)
    assert (after - before).abs().mean() < 0.05  # the same picture, enlarged (tanh taken after the enlargement)
    assert grown.generator.to_rgb[1].weight.abs().sum() == 0  # the new layer starts at zero and learns the rest
    exported = TextToImage.from_checkpoint(Trainer(tiny(tmp_path / "b", image_size=64, rgb_skip=True)).train())
    assert exported.meta["model_args"]["rgb_skip"] is True and exported.generate(["a"], [0]).shape == (1, 3, 64, 64)


def test_a_run_folder_with_checkpoints_is_not_overwritten(tmp_path):
    Trainer(tiny(tmp_path)).train()
    log = (tmp_path / "tiny" / "log.jsonl").read_text()
    with pytest.raises(SystemExit, match="--resume=true"):
        Trainer(tiny(tmp_path, epochs=2)).train()
    assert (tmp_path / "tiny" / "log.jsonl").read_text() == log  # nothing of the first run was lost


def test_text_layout_starts_as_the_export_and_then_lets_the_prompt_draw_the_layout(tmp_path):
    plain = Trainer(tiny(tmp_path / "a")).train()
    grown = Trainer(tiny(tmp_path / "b", text_layout=True))
    grown.init_from(plain)
    source = TextToImage.from_checkpoint(plain, precision="fp32")
    z, text = torch.randn(3, source.z_dim), source.embed(["red apple", "blue car", "frog"])
    with torch.no_grad():
        assert torch.allclose(grown.generator.eval()(z, text), source.generator(z, text), atol=1e-5)
        grown.generator.text_fc.weight.normal_()  # now let the new part speak
        assert not torch.allclose(grown.generator(z, text), source.generator(z, text), atol=1e-2)


def test_reconstruction_alone_trains_no_discriminator(tmp_path):
    trainer = Trainer(tiny(tmp_path, gan_weight=0.0, recon_weight=1.0))
    before = {k: v.clone() for k, v in trainer.discriminator.state_dict().items()}
    rows = torch.arange(8)
    stats = trainer.train_step(trainer.data.images[rows], trainer.data.concept[rows])
    assert set(stats) == {"loss_g", "recon_l1"} and stats["loss_g"] == pytest.approx(stats["recon_l1"])
    for option in (dict(loss="wasserstein"), dict(recon_weight=0.0, imle_samples=4)):
        with pytest.raises(ValueError, match=r"loss must be|imle_samples needs"):
            Trainer(tiny(tmp_path / "c", **option))
    assert all(torch.equal(v, trainer.discriminator.state_dict()[k]) for k, v in before.items())
    with pytest.raises(ValueError, match="nothing to learn"):
        Trainer(tiny(tmp_path / "b", gan_weight=0.0, recon_weight=0.0))


class ConstantPainter(torch.nn.Module):
    """A stand-in generator whose picture is one grey level set by the noise's first value."""

    def forward(self, z, text):
        return torch.tanh(z[:, :1, None, None]).expand(-1, 3, 16, 16)


def test_imle_claims_the_nearest_of_its_noises_for_every_image():
    from deep_learning.main_model.imle import NoiseBank, SelectionSpace

    class PixelsOnly(torch.nn.Module):  # a feature network that sees nothing: the 16 px colours decide
        def features(self, images):
            return torch.ones(len(images), 4)

    levels = torch.linspace(-0.9, 0.9, 12)
    real = levels[:, None, None, None].expand(-1, 3, 16, 16)
    space, cpu = SelectionSpace(PixelsOnly()), torch.device("cpu")
    errors = {}
    for samples in (1, 64):
        bank = NoiseBank(len(real), z_dim=3)
        torch.manual_seed(0)
        mean_distance = bank.refresh(ConstantPainter(), space, real, torch.zeros(len(real), 8), samples, cpu, False)
        errors[samples] = (torch.tanh(bank.z[:, 0]) - levels).abs()
        assert mean_distance == pytest.approx(errors[samples].mean().item(), rel=1e-4)  # L1 of constant images
    assert errors[64].max() < 0.1 < errors[1].mean()  # each image found a noise that paints it


def test_imle_training_pulls_each_image_from_its_own_noise_and_resumes_bit_for_bit(tmp_path):
    options = dict(gan_weight=0.0, recon_weight=1.0, imle_samples=3, imle_every=1, text_layout=True)
    whole = Trainer(tiny(tmp_path / "a", epochs=2, **options))
    claimed_at_start = whole.noise_bank.z.clone()
    whole.train()
    assert not torch.equal(whole.noise_bank.z, claimed_at_start)  # refreshed at each epoch's start
    Trainer(tiny(tmp_path / "b", epochs=1, **options)).train()
    resumed = Trainer(tiny(tmp_path / "b", epochs=2, resume=True, **options))
    resumed.train()
    assert torch.equal(resumed.noise_bank.z, whole.noise_bank.z)
    for name, tensor in whole.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[name]), name
    # the step pulls G(claimed z) towards its own real image: L1 of exactly those pairs
    rows = torch.arange(8)
    real, z = whole.data.images[rows], whole.noise_bank.z[rows]
    torch.manual_seed(1)
    stats = whole.train_step(real, whole.data.concept[rows], z)
    torch.manual_seed(1)
    text = whole.data.sample_captions(whole.data.concept[rows])
    text = torch.nn.functional.normalize(text + whole.config.text_noise * torch.randn_like(text), dim=1)
    whole.generator.load_state_dict(resumed.generator.state_dict())
    with torch.no_grad():
        expected = (whole.generator(z, text) - real).abs().mean().item()
    assert stats["recon_l1"] == pytest.approx(expected, abs=2e-2)  # bf16 autocast in the step


def test_imle_under_the_discriminator_trains_both_players(tmp_path):
    trainer = Trainer(tiny(tmp_path, recon_weight=10.0, imle_samples=2, imle_every=1))
    model = TextToImage.from_checkpoint(trainer.train())
    log = (tmp_path / "tiny" / "log.jsonl").read_text()
    assert '"loss_d"' in log and '"recon_l1"' in log  # the GAN stage keeps each image's own noise
    assert model.generate(["a"], [0]).shape == (1, 3, 32, 32)

import dataclasses
import os

import pytest
import torch

from deep_learning.common.checkpoint import (
    FORMAT,
    CheckpointError,
    load_checkpoint,
    main,
    save_checkpoint,
    state_sha256,
    store_metrics,
)
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.training import RunDir


def test_checkpoint_roundtrip_is_atomic_and_typed(tmp_path):
    model = torch.nn.Linear(3, 2)
    path = save_checkpoint(tmp_path / "run" / "a.pt", kind="test/linear", model_args={"in": 3},
                           state={"model": model.state_dict()}, meta={"metrics": {"fid": 1.5}})
    assert [p.name for p in path.parent.iterdir()] == ["a.pt"]  # no temp file left behind
    loaded = load_checkpoint(path, kind="test/linear")
    assert loaded["model_args"] == {"in": 3} and loaded["meta"]["metrics"]["fid"] == 1.5
    assert torch.equal(loaded["state"]["model"]["weight"], model.weight)


def test_half_checkpoints_store_float16(tmp_path):
    path = save_checkpoint(tmp_path / "h.pt", kind="k", model_args={}, half=True,
                           state={"model": {"w": torch.ones(2), "steps": torch.tensor([3])}})
    state = load_checkpoint(path)["state"]["model"]
    assert state["w"].dtype == torch.float16 and state["steps"].dtype == torch.int64


class RunsCode:
    def __reduce__(self):  # unpickling calls os.getcwd(): harmless here, but code all the same
        return os.getcwd, ()


def flip_bits(path, tensor: torch.Tensor, count: int = 4096) -> None:
    """Inverts `count` bytes in the middle of `tensor`'s stored bytes (torch stores tensors uncompressed)."""
    data, stored = bytearray(path.read_bytes()), tensor.numpy().tobytes()
    start = data.find(stored) + len(stored) // 2 - count // 2
    assert data.find(stored) >= 0 and count <= len(stored)
    data[start:start + count] = bytes(b ^ 0x10 for b in data[start:start + count])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["missing", "truncated", "garbage", "other_kind", "foreign", "code", "bit_flip",
                                    "no_digest"])
def test_broken_checkpoints_are_refused_with_their_path(tmp_path, damage):
    path = tmp_path / "model.pt"
    weights = torch.linspace(-1, 1, 4096)
    save_checkpoint(path, kind="good", model_args={}, state={"w": weights})
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    elif damage == "garbage":
        path.write_bytes(b"not a checkpoint at all")
    elif damage == "other_kind":
        save_checkpoint(path, kind="text-to-image/generator", model_args={}, state={})
    elif damage == "foreign":
        torch.save({"weights": torch.ones(1)}, path)
    elif damage == "code":  # a pickle that would run code when loaded without weights_only
        torch.save({"format": "gan-studio", "payload": RunsCode()}, path)
    elif damage == "bit_flip":  # unpickles without complaint: only the digest notices
        flip_bits(path, weights)
    elif damage == "no_digest":
        payload = torch.load(path, weights_only=True)
        del payload["state_sha256"]
        torch.save(payload, path)
    with pytest.raises(CheckpointError, match=str(path)) as refused:
        load_checkpoint(path, kind="good")
    if damage in ("bit_flip", "no_digest"):
        assert "is damaged" in str(refused.value) and "SHA-256" in str(refused.value)


def test_the_digest_is_of_what_was_saved_whatever_the_values(tmp_path):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(2, 3, 6, 6)).sum().backward()
    optimizer.step()
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "rng": [{"torch": torch.get_rng_state()}], "epoch": 3,
             "seconds": 1.5, "bf16": torch.ones(3, dtype=torch.bfloat16), "scalar": torch.tensor(2.0)}
    loaded = load_checkpoint(save_checkpoint(tmp_path / "a.pt", kind="k", model_args={}, state=state))
    assert loaded["verified"] and loaded["state_sha256"] == state_sha256(state)
    assert state_sha256({**state, "epoch": 4}) != state_sha256(state)
    assert state_sha256({**state, "scalar": torch.tensor(2.0, dtype=torch.float64)}) != state_sha256(state)


def test_a_format_1_checkpoint_without_a_digest_loads_unverified_and_seal_adds_one(tmp_path, capsys):
    path = tmp_path / "old.pt"
    torch.save({"format": FORMAT, "version": 1, "kind": "k", "model_args": {"n": 1}, "state": {"w": torch.ones(3)},
                "meta": {"metrics": {"fid": 2.0}}}, path)
    old = load_checkpoint(path, kind="k")
    assert not old["verified"] and "state_sha256" not in old
    assert main(["verify", str(path)]) == 0 and "no digest" in capsys.readouterr().out
    assert main(["seal", str(path)]) == 0 and "sealed" in capsys.readouterr().out
    sealed = load_checkpoint(path, kind="k")
    assert sealed["verified"] and sealed["version"] == 2 and sealed["meta"] == old["meta"]
    assert torch.equal(sealed["state"]["w"], old["state"]["w"]) and sealed["model_args"] == {"n": 1}
    flip_bits(path, torch.ones(3), count=4)
    assert main(["verify", str(path)]) == 1 and f"DAMAGED   {path} is damaged" in capsys.readouterr().out


@dataclasses.dataclass
class Options:
    config: str = "small"
    lr: float = 1e-3  # learning rate
    steps: int = 10
    augment: bool = True
    sizes: tuple[int, ...] = (1, 2)
    name: str = "run"


def test_parse_config_overrides_and_presets():
    presets = {"small": {}, "big": {"steps": 1000, "augment": False}}
    options = parse_config(Options, ["--config=big", "--lr=0.5", "--sizes=3,4,5"], presets=presets)
    assert options == Options(config="big", lr=0.5, steps=1000, augment=False, sizes=(3, 4, 5))
    assert parse_config(Options, ["--augment=false", "--steps", "7"], presets=presets).augment is False
    assert config_to_dict(options)["sizes"] == [3, 4, 5]


@pytest.mark.parametrize("argv", [["--steps=ten"], ["--augment=maybe"], ["--unknown=1"], ["--config=huge"]])
def test_parse_config_rejects_bad_values(argv):
    with pytest.raises(SystemExit):
        parse_config(Options, argv, presets={"small": {}})


def test_a_run_folder_drops_what_a_kill_during_a_save_left_half_written(tmp_path):
    run = RunDir(tmp_path / "run").create()
    kept = save_checkpoint(run.checkpoint_path(1), kind="k", model_args={}, state={"w": torch.ones(2)}, meta={})
    (run.root / ".checkpoint-epoch0002.pt.x1y2.tmp").write_bytes(b"half a checkpoint")
    RunDir(run.root).create()  # what every loop does first, fresh or resumed
    assert sorted(p.name for p in run.root.iterdir()) == [kept.name, "samples"]


def test_store_metrics_adds_them_to_the_metadata_and_leaves_the_weights(tmp_path):
    source = save_checkpoint(tmp_path / "g.pt", kind="x/generator", model_args={"n": 3},
                             state={"generator": {"w": torch.arange(3.0)}}, meta={"text_encoder": "minilm"})
    shipped = store_metrics(source, {"rows": [1]}, kind="x/generator", target=tmp_path / "out" / "g.pt", half=True)
    copy = load_checkpoint(shipped, kind="x/generator")
    assert copy["meta"] == {"text_encoder": "minilm", "metrics": {"rows": [1]}} and copy["model_args"] == {"n": 3}
    assert copy["state"]["generator"]["w"].dtype == torch.float16
    assert torch.equal(copy["state"]["generator"]["w"].float(), torch.arange(3.0))
    store_metrics(source, {"rows": [2]})  # in place
    assert load_checkpoint(source)["meta"]["metrics"] == {"rows": [2]}
    with pytest.raises(CheckpointError, match="expected 'y/generator'"):
        store_metrics(source, {}, kind="y/generator")


def test_bfloat16_is_the_default_only_where_it_is_faster(monkeypatch):
    from deep_learning.common import device
    from deep_learning.main_model.training_loop import Config

    def machine(avx512_bf16: bool, amx: bool, speedup: float | None = None) -> bool:
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)

        def measured() -> float:
            assert speedup is not None, "measured where the CPU's features decide"
            return speedup

        monkeypatch.setattr(device, "bf16_speedup", measured)
        return device.bf16_is_fast("cpu") and Config().bf16

    monkeypatch.delenv("GAN_STUDIO_BF16", raising=False)
    assert machine(avx512_bf16=True, amx=True)  # AMX tiles: bf16 without asking
    assert not machine(avx512_bf16=False, amx=False)  # no bf16 instructions: float32
    assert not machine(avx512_bf16=True, amx=False, speedup=0.8)  # the Xeon where bf16 was slower
    assert not machine(avx512_bf16=True, amx=False, speedup=1.05)  # a tie goes to float32
    assert machine(avx512_bf16=True, amx=False, speedup=1.8)  # the EPYC where it was faster
    monkeypatch.setenv("GAN_STUDIO_BF16", "0")
    assert not machine(avx512_bf16=True, amx=True)
    assert not Config(bf16=False).bf16


def test_the_bfloat16_measurement_times_both_precisions():
    from deep_learning.common.device import bf16_speedup
    assert 0.05 < bf16_speedup(repeats=1) < 20

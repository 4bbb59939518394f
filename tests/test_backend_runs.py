"""The Runs tab's read-only routes and the interpolation route, through Flask's test client."""

import base64
import io
import json
import os
import time

import pytest
from PIL import Image

from backend import create_app
from tests.tiny_models import tiny_text_to_image


def make_run(root, name="tiny", epochs=3, planned=5, fresh=True):
    folder = root / name
    (folder / "samples").mkdir(parents=True)
    (folder / "training_options.json").write_text(json.dumps(
        {"config": "can", "epochs": planned, "batch_size": 16, "world_size": 1, "saved": "/srv/secret/saved"}))
    rows = [{"epoch": e, "step": 10 * e, "loss_d": 1.0 / e, "loss_g": 0.5 * e, "seconds": 6.0 * e,
             "cpu_seconds": 12.0 * e} for e in range(1, epochs + 1)]
    (folder / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"epoch": 4, "ste')  # mid-write
    for e in range(1, epochs + 1):
        Image.new("RGB", (8, 8), (e * 40, 0, 0)).save(folder / "samples" / f"epoch{e:04d}.png")
    (folder / "samples" / "prompts.txt").write_text("train: red apple\nheld-out: parrot\n")
    if not fresh:
        old = time.time() - 3600
        for path in [folder, folder / "log.jsonl", folder / "samples"]:
            os.utime(path, (old, old))
    return folder


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    digits = root / "digits_gan"
    make_run(digits, "live")
    make_run(digits, "stopped", fresh=False)
    make_run(root / "dcgan", "done", epochs=2, planned=2)
    (root / "outside").mkdir()
    (root / "outside" / "secret.txt").write_text("CONTENT-OF-SECRET")
    (digits / "linked").symlink_to(root / "outside", target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def app_config(saved):
    return {"RUN_FOLDERS": {"digits_gan": saved / "digits_gan", "dcgan": saved / "dcgan", "srgan": saved / "missing"}}


def test_lists_runs_with_progress_and_whether_they_still_train(client):
    body = client.get("/api/runs").get_json()
    runs = {r["id"]: r for r in body["runs"]}
    assert set(runs) == {"digits_gan/live", "digits_gan/stopped", "dcgan/done"}  # the link out is not listed
    live = runs["digits_gan/live"]
    assert (live["model"], live["config"], live["epoch"], live["epochs"]) == ("digits_gan", "can", 3, 5)
    assert live["images_seen"] == 30 * 16 and live["cpu_minutes"] == 0.6 and live["samples"] == [1, 2, 3]
    assert live["running"] and not runs["digits_gan/stopped"]["running"]
    assert runs["dcgan/done"]["finished"] and not runs["dcgan/done"]["running"]


def test_run_detail_has_the_log_rows_sample_epochs_and_no_server_path(client):
    body = client.get("/api/runs/digits_gan/live").get_json()
    assert [r["epoch"] for r in body["rows"]] == [1, 2, 3]  # the half-written line is skipped
    assert body["sample_rows"] == [{"split": "train", "prompt": "red apple"}, {"split": "held-out", "prompt": "parrot"}]
    assert body["options"]["saved"] == "saved" and "/srv" not in json.dumps(body)
    newer = client.get("/api/runs/digits_gan/live?since=2").get_json()
    assert [r["epoch"] for r in newer["rows"]] == [3] and newer["first_row"] == 2 and newer["total_rows"] == 3


def test_sample_grid_of_one_epoch(client):
    response = client.get("/api/runs/digits_gan/live/samples/2.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).getpixel((0, 0)) == (80, 0, 0)


@pytest.mark.parametrize("url", [
    "/api/runs/digits_gan/linked",  # a symlink out of saved/
    "/api/runs/digits_gan/..", "/api/runs/digits_gan/%2e%2e", "/api/runs/digits_gan/..%2Foutside",
    "/api/runs/digits_gan/%2E%2E%2Foutside/samples/1.png", "/api/runs/../digits_gan/live",
    "/api/runs/outside/secret.txt", "/api/runs/nope/live", "/api/runs/srgan/x",
    "/api/runs/digits_gan/live/samples/9.png", "/api/runs/digits_gan/live/samples/-1.png",
    "/api/runs/digits_gan/live/samples/１.png", "/api/runs/digits_gan/live/samples/1234567.png",
    "/api/runs/digits_gan/live/samples/..%2F..%2Ftraining_options.json",
    "/api/runs/digits_gan/.hidden", "/api/runs/digits_gan/live%00",
])
def test_nothing_outside_the_saved_folders_is_reachable(client, url):
    response = client.get(url)
    assert response.status_code == 404, url
    assert b"CONTENT-OF-SECRET" not in response.data and b"/srv" not in response.data


def test_no_runs_is_an_empty_list(tmp_path):
    model = tiny_text_to_image(tmp_path / "t2i.pt")
    app = create_app({"MODELS": {"text-to-image": str(model)}, "RUN_FOLDERS": {"dcgan": tmp_path / "none"}})
    assert app.test_client().get("/api/runs").get_json() == {"runs": [], "models": ["dcgan"]}


def decode(b64):
    return Image.open(io.BytesIO(base64.b64decode(b64, validate=True)))


def close(a, b, tolerance=2):
    """Equal up to rounding: a frame of a batch against the same image made on its own."""
    return max(abs(x - y) for x, y in zip(a.tobytes(), b.tobytes(), strict=True)) <= tolerance


def painted(client, prompt, seed):
    return decode(client.get(f"/?input={prompt}&seed={seed}&n=1").get_json()["images"][0])


def test_morph_between_two_prompts_gives_frames_and_a_looping_gif(client):
    body = client.post("/api/interpolate", json={"prompt": "red apple", "to_prompt": "blue car", "seed": 3,
                                                 "frames": 5}).get_json()
    frames = [decode(f) for f in body["frames"]]
    assert len(frames) == 5 and frames[0].size == (32, 32)
    start, end = painted(client, "red%20apple", 3), painted(client, "blue%20car", 3)
    assert close(frames[0], start) and close(frames[-1], end)
    assert not close(frames[2], start) and not close(frames[2], end)  # the middle is neither prompt
    gif = decode(body["animation"])
    assert gif.format == "GIF" and gif.n_frames == 8 and gif.size == (128, 128) and gif.info.get("loop") == 0
    assert body["mime"] == "image/gif" and (body["seed"], body["to_seed"]) == (3, 3)


def test_morph_between_two_seeds_as_webp_starts_and_ends_at_those_seeds(client):
    body = client.post("/api/interpolate", json={"prompt": "green frog", "seed": 1, "to_seed": 2, "frames": 3,
                                                 "format": "webp"}).get_json()
    frames = [decode(f) for f in body["frames"]]
    assert close(frames[0], painted(client, "green%20frog", 1))
    assert close(frames[-1], painted(client, "green%20frog", 2))
    assert decode(body["animation"]).format == "WEBP" and body["mime"] == "image/webp"


@pytest.mark.parametrize("body, status, message", [
    ({"prompt": "apple", "seed": 1}, 400, "Nothing to morph"),
    ({"prompt": "", "to_prompt": "car"}, 400, "The prompt is empty"),
    ({"prompt": "a" * 201, "to_prompt": "car"}, 400, "limit is 200"),
    ({"prompt": "apple", "to_prompt": ["x"]}, 400, "'to_prompt' must be a text prompt"),
    ({"prompt": "apple", "to_prompt": "car", "frames": 25}, 400, "'frames' must be from 2 to 24"),
    ({"prompt": "apple", "to_prompt": "car", "frames": 1}, 400, "'frames' must be from 2 to 24"),
    ({"prompt": "apple", "to_prompt": "car", "format": "mp4"}, 400, "'format' must be one of gif, webp"),
    ({"prompt": "apple", "to_prompt": "car", "model": "nope"}, 400, "Unknown model"),
    ([1, 2], 400, "not a JSON object"),
])
def test_morph_refuses_bad_input_with_a_message(client, body, status, message):
    response = client.post("/api/interpolate", json=body)
    assert response.status_code == status and message in response.get_json()["error"]


def test_morph_wants_json(client):
    assert client.post("/api/interpolate", data="prompt=apple").status_code == 415


def test_a_text_to_image_card_labels_the_rows_of_its_sample_grid(tmp_path):
    model = tiny_text_to_image(tmp_path / "t2i.pt")
    Image.new("RGB", (8, 8)).save(tmp_path / "samples.png")
    (tmp_path / "samples_prompts.txt").write_text("train: skis\nheld-out: parrot\n")
    app = create_app({"MODELS": {"text-to-image": str(model)}, "RUN_FOLDERS": {}})
    card = app.test_client().get("/api/models").get_json()["models"][0]
    assert card["samples_rows"] == [{"split": "train", "prompt": "skis"}, {"split": "held-out", "prompt": "parrot"}]

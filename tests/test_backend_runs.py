"""The Runs tab's read-only routes and the interpolation route, through Flask's test client."""

import base64
import io
import json
import os
import shutil
import time

import pytest
from PIL import Image

from backend import create_app
from backend.registry import MODELS
from backend.run_folders import MAX_LOG_BYTES, default_roots
from deep_learning.common.heartbeat import STALE_S, Heartbeat
from tests.tiny_models import tiny_text_to_image


def make_run(root, name="tiny", epochs=3, planned=5, fresh=True, beat="training"):
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
    if beat:  # what the training loop writes: this (test) process as the trainer
        Heartbeat(folder).beat(epochs, 10 * epochs, state=beat, force=True)
    if not fresh:
        old = time.time() - 3600
        record = json.loads((folder / "heartbeat.json").read_text())
        (folder / "heartbeat.json").write_text(json.dumps({**record, "time": old}))
        for path in [folder, folder / "log.jsonl", folder / "samples"]:
            os.utime(path, (old, old))
    return folder


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    digits = root / "digits_gan"
    make_run(digits, "live")
    make_run(digits, "stopped", fresh=False)
    make_run(root / "dcgan", "done", epochs=2, planned=2, beat="finished")
    (root / "outside").mkdir()
    (root / "outside" / "secret.txt").write_text("CONTENT-OF-SECRET")
    (root / "outside" / "secret.json").write_text('{"config": "CONTENT-OF-SECRET", "epochs": 1}')
    (root / "outside" / "prompts.txt").write_text("CONTENT-OF-SECRET: CONTENT-OF-SECRET\n")
    Image.new("RGB", (8, 8), (1, 2, 3)).save(root / "outside" / "secret.png")
    (digits / "linked").symlink_to(root / "outside", target_is_directory=True)
    # a run folder whose files are links out of it: none of them is read
    trap = make_run(digits, "trap")
    for name, target in (("training_options.json", "secret.json"), ("samples/prompts.txt", "prompts.txt"),
                         ("samples/epoch0001.png", "secret.png"), ("heartbeat.json", "secret.json")):
        (trap / name).unlink()
        (trap / name).symlink_to(root / "outside" / target)
    (trap / "samples" / "epoch0002.png").unlink()
    os.mkfifo(trap / "samples" / "epoch0002.png")  # a FIFO would block the thread that opens it to read
    linked_samples = make_run(digits, "trap-samples")
    shutil.rmtree(linked_samples / "samples")
    (linked_samples / "samples").symlink_to(root / "outside", target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def app_config(saved):
    return {"RUN_FOLDERS": {"digits_gan": saved / "digits_gan", "dcgan": saved / "dcgan", "srgan": saved / "missing"}}


def test_lists_runs_with_progress_and_whether_they_still_train(client):
    body = client.get("/api/runs").get_json()
    runs = {r["id"]: r for r in body["runs"]}
    assert set(runs) == {"digits_gan/live", "digits_gan/stopped", "digits_gan/trap", "digits_gan/trap-samples",
                         "dcgan/done"}  # "linked" is a link out: not listed
    live = runs["digits_gan/live"]
    assert (live["model"], live["config"], live["epoch"], live["epochs"]) == ("digits_gan", "can", 3, 5)
    assert live["images_seen"] == 30 * 16 and live["cpu_minutes"] == 0.6 and live["samples"] == [1, 2, 3]
    assert (live["state"], live["running"]) == ("training", True)
    assert (runs["digits_gan/stopped"]["state"], runs["digits_gan/stopped"]["running"]) == ("stopped", False)
    assert runs["dcgan/done"]["state"] == "finished" and runs["dcgan/done"]["finished"]


def test_the_list_and_the_detail_agree(client):
    for run in client.get("/api/runs").get_json()["runs"]:
        detail = client.get(f"/api/runs/{run['id']}").get_json()
        assert {key: detail[key] for key in run} == run, run["id"]


@pytest.mark.parametrize(("beat", "age", "pid", "planned", "state"), [
    ("training", 1, "mine", 5, "training"),
    ("training", STALE_S + 5, "mine", 5, "stopped"),  # killed without a word: its heartbeat went stale
    ("training", 1, "dead", 5, "stopped"),  # fresh, but its process on this host is gone
    ("stopped", 1, "mine", 5, "stopped"),  # a time budget ended it
    ("finished", 1, "mine", 5, "finished"),
    ("training", 1, "mine", 3, "finished"),  # the log reached the planned epochs
    (None, 1, "mine", 5, "stopped"),  # a run from before heartbeats: never "training" on file times alone
])
def test_a_run_trains_only_while_its_heartbeat_is_fresh(tmp_path, beat, age, pid, planned, state):
    folder = make_run(tmp_path, "run", epochs=3, planned=planned, beat=beat)
    if beat:
        record = json.loads((folder / "heartbeat.json").read_text())
        dead = os.fork()
        if dead == 0:
            os._exit(0)
        os.waitpid(dead, 0)
        record |= {"time": time.time() - age, "pid": os.getpid() if pid == "mine" else dead}
        (folder / "heartbeat.json").write_text(json.dumps(record))
    app = create_app({"MODELS": {"text-to-image": str(tiny_text_to_image(tmp_path / "t.pt"))},
                      "RUN_FOLDERS": {"digits_gan": tmp_path}})
    run = app.test_client().get("/api/runs/digits_gan/run").get_json()
    assert (run["state"], run["running"], run["finished"]) == (state, state == "training", state == "finished")


def test_the_runs_models_are_the_registrys():
    packages = {entry.checkpoint.parent.parent.name for entry in MODELS.values()}
    assert set(default_roots()) == packages and {"main_model", "digits_gan"} <= packages
    assert all(folder.name == "saved" and folder.parent.name == name for name, folder in default_roots().items())


def test_nothing_is_read_through_a_link_or_from_a_fifo(client):
    body = client.get("/api/runs/digits_gan/trap").get_json()
    assert "CONTENT-OF-SECRET" not in json.dumps(body)
    assert body["config"] is None and body["options"] == {} and body["sample_rows"] is None
    assert body["state"] == "stopped" and body["samples"] == [3]  # a link, a FIFO, a real grid
    assert [client.get(f"/api/runs/digits_gan/trap/samples/{epoch}.png").status_code for epoch in (1, 2, 3)] == \
        [404, 404, 200]
    linked = client.get("/api/runs/digits_gan/trap-samples").get_json()
    assert linked["samples"] == [] and linked["sample_rows"] is None  # samples/ is a link: not even listed
    assert client.get("/api/runs/digits_gan/trap-samples/samples/1.png").status_code == 404


def test_a_huge_log_is_read_from_its_end_and_a_poll_reads_only_what_is_new(tmp_path, monkeypatch):
    folder = make_run(tmp_path, "long", epochs=1, planned=10**6)
    row = json.dumps({"epoch": 1, "step": 1, "loss_d": 0.5, "padding": "x" * 900}) + "\n"
    rows = 40_000  # 36 MB: the answer must still be bounded by MAX_ROWS and MAX_LOG_BYTES
    with open(folder / "log.jsonl", "w") as log:
        for epoch in range(1, rows + 1):
            log.write(row.replace('"epoch": 1,', f'"epoch": {epoch},'))
    app = create_app({"MODELS": {"text-to-image": str(tiny_text_to_image(tmp_path / "t.pt"))},
                      "RUN_FOLDERS": {"digits_gan": tmp_path}})
    client = app.test_client()
    read = []
    real_pread = os.pread
    monkeypatch.setattr(os, "pread", lambda fd, n, at: read.append(len(data := real_pread(fd, n, at))) or data)
    first = client.get("/api/runs/digits_gan/long").get_json()
    assert first["total_rows"] == rows and first["epoch"] == rows and first["rows"][-1]["epoch"] == rows
    assert len(json.dumps(first["rows"])) <= MAX_LOG_BYTES and first["first_row"] == rows - len(first["rows"])
    assert [r["epoch"] for r in first["rows"]] == list(range(first["first_row"] + 1, rows + 1))
    with open(folder / "log.jsonl", "a") as log:  # two more epochs, and a third being written
        for epoch in (rows + 1, rows + 2):
            log.write(row.replace('"epoch": 1,', f'"epoch": {epoch},'))
        log.write('{"epoch": ')
    read.clear()
    newer = client.get(f"/api/runs/digits_gan/long?since={first['total_rows']}").get_json()
    assert [r["epoch"] for r in newer["rows"]] == [rows + 1, rows + 2]
    assert (newer["first_row"], newer["total_rows"], newer["epoch"]) == (rows, rows + 2, rows + 2)
    assert sum(read) < 300_000, "a poll read more than the new rows, the small files and the last row's block"


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

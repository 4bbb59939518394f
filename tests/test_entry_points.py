"""The commands users were told to run: each starts or answers, from where the docs say to run it."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EVALUATIONS = ["deep_learning/dcgan/evaluate.py", "deep_learning/pix2pix/evaluate.py",
               "deep_learning/srgan/evaluate.py", "deep_learning/digits_gan/evaluate.py"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_seed_001s_flask_command_serves_the_api(tiny_checkpoint):
    """Seed 001's README: `python3 -m flask --app backend/app run -p 3000`, from the repository root."""
    port = free_port()
    env = {**os.environ, "GAN_STUDIO_MODELS": f"text-to-image={tiny_checkpoint}", "OMP_NUM_THREADS": "1"}
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "backend/app", "run", "-p", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/live", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"flask --app backend/app did not serve: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?input=red%20apple&n=1&seed=3", timeout=30) as response:
            assert b'"images"' in response.read()
    finally:
        server.terminate()
        server.wait(10)


def test_every_evaluation_runs_as_a_script_from_any_folder(tmp_path):
    """`python deep_learning/<model>/evaluate.py --help` from another folder: each script finds the repository
    itself (one interpreter runs them all, as `__main__` each, to import torch once)."""
    program = ("import runpy, sys\n"
               "for script in sys.argv[1:]:\n"
               "    sys.argv = [script, '--help']\n"
               "    try:\n"
               "        runpy.run_path(script, run_name='__main__')\n"
               "    except SystemExit as stop:\n"
               "        assert stop.code == 0, script\n")
    result = subprocess.run([sys.executable, "-c", program, *(str(REPO / script) for script in EVALUATIONS)],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""}, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("--checkpoint") >= len(EVALUATIONS)

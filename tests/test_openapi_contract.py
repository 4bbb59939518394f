"""The API document is the truth (issue 15): schemathesis, with every one of its checks, against gunicorn
serving the document's server, bounded in examples per operation and in time. A 5xx other than the
documented 503s, an undocumented status, a schema-valid request refused, a schema-violating one accepted,
or an answer off its schema fails the test. The custom formats are tests/schemathesis_hooks.py's."""

import os
import re
import subprocess
import sys

import pytest

from backend.registry import MODELS
from tests.tiny_models import tiny_text_to_image
from tools.loadtest import REPO, GunicornServer

pytestmark = pytest.mark.slow  # gunicorn with every model and ~770 schemathesis cases: minutes

# Per operation and phase; 12 make ~770 cases (CI). A longer run: SCHEMATHESIS_MAX_EXAMPLES=100 pytest -s <this file>
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
TIME_LIMIT_S = 600


def test_the_server_keeps_to_its_api_document(tmp_path):
    tiny = tiny_text_to_image(tmp_path / "t2i.pt")
    (tmp_path / "runs").mkdir()
    others = [name for name in MODELS if name != "text-to-image"]  # every registered model, shipped weights
    env = {"GAN_STUDIO_MODELS": ",".join([f"text-to-image={tiny}", *others]),
           "GAN_STUDIO_RUNS": f"digits_gan={tmp_path / 'runs'}"}
    with GunicornServer(env=env, cwd=tmp_path, log_path=tmp_path / "gunicorn.log") as server:
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", f"--config-file={REPO / 'tests' / 'schemathesis.toml'}",
             "run", f"http://127.0.0.1:{server.port}/api/openapi.json",
             "--checks=all", f"--max-examples={MAX_EXAMPLES}", "--generation-deterministic", "--request-timeout=60",
             "--no-color"],
            cwd=tmp_path, env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(REPO)},
            capture_output=True, text=True, timeout=TIME_LIMIT_S)
        log = server.log()
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
    cases = re.search(r"(\d+) generated, \1 passed", run.stdout)
    assert cases and int(cases.group(1)) >= 500, run.stdout[-3000:]  # every operation really exercised
    print(f"schemathesis, all checks, {MAX_EXAMPLES} examples per operation and phase: {cases.group(0)}")
    assert "Traceback" not in log

"""The Docker files, checked without a Docker engine: what they copy exists, what they start is what
the README's `make run` starts, and the production settings are production ones."""

import fnmatch
import json
import re
import runpy
import shlex
import shutil
import subprocess

import pytest
import yaml

from backend.config import SHIPPED_MODELS
from deep_learning.common.paths import REPO_ROOT

DOCKERFILES = ["Dockerfile_backend", "Dockerfile_frontend"]


def instructions(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (REPO_ROOT / name).read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def dockerignored(path: str) -> bool:
    """Whether .dockerignore drops `path` (a pattern matching the path or a folder above it; `**/x` at any depth)."""
    patterns = [p.strip() for p in (REPO_ROOT / ".dockerignore").read_text().splitlines() if p.strip()]
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        for pattern in patterns:
            if fnmatch.fnmatch(prefix, pattern) or (pattern.startswith("**/") and fnmatch.fnmatch(parts[depth - 1],
                                                                                               pattern[3:])):
                return True
    return False


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_every_copied_path_exists_and_is_not_dockerignored(dockerfile):
    copies = [args for op, args in instructions(dockerfile) if op == "COPY" and not args.startswith("--from")]
    assert copies
    for args in copies:
        *sources, _destination = shlex.split(args)
        for source in sources:
            assert (REPO_ROOT / source).exists(), f"{dockerfile} copies {source}, which is not in the repo"
            assert not dockerignored(source.rstrip("/")), f"{dockerfile} copies {source}, which .dockerignore drops"


def test_shipped_checkpoints_reach_the_backend_image():
    copied = [shlex.split(args)[0].rstrip("/") for op, args in instructions("Dockerfile_backend") if op == "COPY"]
    for path in SHIPPED_MODELS.values():
        relative = path.relative_to(REPO_ROOT).as_posix()
        assert any(relative.startswith(source + "/") for source in copied), relative
        assert not dockerignored(relative), relative
    assert dockerignored("deep_learning/main_model/saved/run/checkpoint-epoch0001.pt")  # runs stay out


def image_environment() -> dict[str, str]:
    """The backend image's ENV lines as the variables a container starts with."""
    pairs = [shlex.split(args) for op, args in instructions("Dockerfile_backend") if op == "ENV"]
    return dict(item.split("=", 1) for items in pairs for item in items)


def test_backend_image_starts_what_make_run_starts():
    """Both start the served stack, backend/serve.py: nginx (backend/nginx.conf) in front of gunicorn
    (backend/gunicorn.conf.py); the image installs Debian's nginx, make run has it installed."""
    steps = instructions("Dockerfile_backend")
    command = json.loads(next(args for op, args in reversed(steps) if op == "CMD"))
    run_script = (REPO_ROOT / "scripts" / "run.sh").read_text()
    assert command == ["python", "-m", "backend.serve"] and "python -m backend.serve" in run_script
    assert "nginx" in " ".join(args for op, args in steps if op == "RUN")
    # --no-print-directory: under `make test` the nested make would end its output with "Leaving directory"
    planned = subprocess.run(["make", "-n", "--no-print-directory", "run"], cwd=REPO_ROOT, capture_output=True,
                             text=True, check=True)
    assert "scripts/install_nginx.sh" in planned.stdout
    assert planned.stdout.rstrip().splitlines()[-1].endswith("scripts/run.sh")  # `make run` ends in that script
    user = [args for op, args in steps if op == "USER"]
    assert user and user[-1] not in ("root", "0")
    installs = " ".join(args for op, args in steps if op == "RUN")
    assert "requirements_cpu.txt" in installs and "debug" not in " ".join(command).lower()


def test_the_images_settings_are_production_ones(monkeypatch):
    """With the image's environment: 2 workers x 8 threads, one torch thread each, no other origin allowed."""
    from backend import config

    for key, value in image_environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/unused")
    settings = runpy.run_path(str(REPO_ROOT / "backend" / "gunicorn.conf.py"))
    assert (settings["workers"], settings["threads"]) == (2, 8)
    app_settings = config.from_environment()
    assert app_settings["CORS_ORIGINS"] == [] and app_settings["TORCH_THREADS"] == 1


def test_health_checks_ask_a_route_the_app_answers(client):
    """The image's and compose's health checks request a URL; the app answers it 200 once its models are loaded."""
    checks = [args for op, args in instructions("Dockerfile_backend") if op == "HEALTHCHECK"]
    compose = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
    checks.append(" ".join(compose["services"]["backend"]["healthcheck"]["test"]))
    for check in checks:
        path = re.search(r"127\.0\.0\.1:[^/]+(/[\w/]+)", check).group(1)
        assert client.get(path).status_code == 200, check


def test_gunicorn_settings_are_the_hardened_ones(monkeypatch):
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/unused")  # the file would make a folder otherwise
    settings = runpy.run_path(str(REPO_ROOT / "backend" / "gunicorn.conf.py"))
    assert settings["workers"] >= 2 and settings["preload_app"] is True
    assert settings["worker_class"] == "gthread"  # behind nginx, which holds slow and hostile clients
    assert settings["max_requests"] > 0 and settings["max_requests_jitter"] > 0  # workers recycle
    assert settings["accesslog"] == "-" and callable(settings["child_exit"])


def test_the_served_stacks_nginx_configuration_is_valid(tmp_path):
    """backend/nginx.conf as backend/serve.py renders it, checked by Debian's nginx itself (`nginx -t`)."""
    from backend.serve import nginx_binary, render

    config = render(tmp_path, "127.0.0.1:18080", f"unix:{tmp_path}/gunicorn.sock", None)
    checked = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(config), "-e", "stderr"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    for directive in ("client_header_timeout 10s", "client_body_timeout 10s", "client_max_body_size 4m",
                      "send_timeout 10s", "proxy_request_buffering on", "proxy_buffering on", "limit_conn per_client",
                      "limit_req zone=per_client_rate"):
        assert directive in config.read_text()


def test_frontend_image_builds_the_page_and_serves_it_with_a_fallback():
    steps = instructions("Dockerfile_frontend")
    assert sum(op == "FROM" for op, _ in steps) == 2  # node build, then a small static server
    assert any(op == "ARG" and args.startswith("VITE_API_URL") for op, args in steps)
    nginx = (REPO_ROOT / "frontend" / "nginx.conf").read_text()
    assert "try_files $uri $uri/ /index.html" in nginx and "/api/" in nginx


def test_compose_wires_ports_health_and_production_settings():
    """The API is published only through the frontend's nginx, which buffers requests and times slow clients out."""
    compose = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
    backend, frontend = compose["services"]["backend"], compose["services"]["frontend"]
    assert frontend["ports"] == ["8080:8080"]
    assert "ports" not in backend and backend["expose"] == ["5000"]
    assert frontend["depends_on"]["backend"]["condition"] == "service_healthy"
    assert "CORS_ORIGINS" not in backend["environment"]  # same origin through nginx: none needed
    assert not any("DEBUG" in key.upper() for key in backend["environment"])
    nginx = (REPO_ROOT / "frontend" / "nginx.conf").read_text()
    for directive in ("client_header_timeout", "client_body_timeout", "client_max_body_size",
                      "large_client_header_buffers", "proxy_request_buffering on"):
        assert directive in nginx
    assert "location /metrics" not in nginx  # metrics stay on the backend's own port


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_docker_compose_accepts_the_file():
    subprocess.run(["docker-compose", "-f", "compose.yaml", "config", "--quiet"], cwd=REPO_ROOT, check=True)

"""The served stack, one way for `make run`, the backend image and the tests: `python -m backend.serve`.

nginx (Debian's; backend/nginx.conf) listens on HOST:PORT and holds the clients: slow, half-sent, pipelined,
never-reading, thousands of idle sockets, bodies over 4 MB. gunicorn (backend/gunicorn.conf.py: preloaded
models, recycled workers) listens on a unix socket in a private folder and gets only whole requests. With
`--page=frontend/dist` nginx also serves the built page on the same origin (no CORS needed); without it,
the API alone. Either process ending stops the other; SIGTERM or Ctrl-C stops both. Measured against the
alternatives in the README (Reliability: `python -m tools.attacks`).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx.conf"
INSTALL_HINT = "Debian's nginx is needed in front of gunicorn: scripts/install_nginx.sh (apt-get install nginx-light)"


def nginx_binary() -> str:
    found = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).is_file():
        raise SystemExit(f"nginx not found. {INSTALL_HINT}")
    return found


def render(run_dir: Path, listen: str, upstream: str, page: Path | None, per_client: int = 64,
           rate: int = 100) -> Path:
    """backend/nginx.conf with its @NAME@ placeholders filled, written to run_dir/nginx.conf."""
    root = page.resolve() if page else run_dir / "no-page"
    root.mkdir(exist_ok=True)
    text = TEMPLATE.read_text()
    for name, value in {"RUN_DIR": str(run_dir), "LISTEN": listen, "UPSTREAM": upstream, "PAGE_ROOT": str(root),
                        "PER_CLIENT": str(per_client), "RATE": str(rate), "BURST": str(2 * rate)}.items():
        text = text.replace(f"@{name}@", value)
    path = run_dir / "nginx.conf"
    path.write_text(text)
    return path


class Stack:
    """gunicorn on a unix socket behind nginx on `host:port` (port 0: a free one, read back from nginx)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, page: Path | None = None,
                 gunicorn_args: tuple[str, ...] = (), env: dict | None = None, cwd: Path | None = None,
                 log=None):
        self.host, self.port, self.page = host, port, page
        self.gunicorn_args, self.env, self.cwd, self.log = gunicorn_args, env, cwd, log
        self.run_dir = Path(tempfile.mkdtemp(prefix="gan-studio-serve-"))
        self.run_dir.chmod(0o755)  # started as root, nginx's workers run as another user and must reach the socket
        self.socket = self.run_dir / "gunicorn.sock"
        self.gunicorn: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None

    def start(self) -> "Stack":
        nginx = nginx_binary()
        if self.port == 0:
            self.port = _free_port(self.host)
        config = render(self.run_dir, f"{self.host}:{self.port}", f"unix:{self.socket}", self.page)
        test = subprocess.run([nginx, "-t", "-q", "-p", str(self.run_dir), "-c", str(config), "-e", "stderr"],
                              capture_output=True, text=True)
        if test.returncode != 0:
            raise SystemExit(f"nginx refused its configuration {config}:\n{test.stderr}")
        env = {**os.environ, **(self.env or {})}
        repo = str(HERE.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, env.get("PYTHONPATH")]))
        self.gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(HERE / "gunicorn.conf.py"), "--bind", f"unix:{self.socket}",
             *self.gunicorn_args, "backend:create_app()"], env=env, cwd=self.cwd, stdout=self.log,
            stderr=subprocess.STDOUT if self.log else None, start_new_session=True, preexec_fn=_die_with_parent)
        self.nginx = subprocess.Popen([nginx, "-p", str(self.run_dir), "-c", str(config), "-e", "stderr",
                                       "-g", "daemon off;"], stdout=self.log,
                                      stderr=subprocess.STDOUT if self.log else None, start_new_session=True,
                                      preexec_fn=_die_with_parent)
        return self

    def running(self) -> bool:
        return all(p is not None and p.poll() is None for p in (self.gunicorn, self.nginx))

    def worker_pids(self) -> list[int]:
        """gunicorn's workers (the master's children), which hold the models."""
        return _children(self.gunicorn.pid) if self.gunicorn else []

    def wait(self) -> int:
        """Until either process ends; returns its status."""
        while self.running():
            time.sleep(0.5)
        return next(p.returncode for p in (self.gunicorn, self.nginx) if p.poll() is not None)

    def stop(self) -> None:
        for process, sig in ((self.nginx, signal.SIGQUIT), (self.gunicorn, signal.SIGTERM)):
            if process and process.poll() is None:
                process.send_signal(sig)  # nginx: graceful; gunicorn: graceful, workers too
        for process in (self.nginx, self.gunicorn):
            if process:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when this process's parent (serve.py) dies, even by SIGKILL, so no
    gunicorn or nginx is left behind serving without its partner."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError):  # not Linux: the normal stop still applies
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--page", type=Path, default=None, help="the built page (frontend/dist) to serve on /")
    args, gunicorn_args = parser.parse_known_args(argv)
    stack = Stack(args.host, args.port, args.page, tuple(gunicorn_args))

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    stack.start()
    print(f"GAN Studio on http://{args.host}:{args.port} (nginx in front of gunicorn on {stack.socket})", flush=True)
    try:
        status = stack.wait()
        print(f"{'gunicorn' if stack.gunicorn.poll() is not None else 'nginx'} exited ({status}): stopping",
              flush=True)
        return status or 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env bash
# Builds the page and serves it with the API on one origin (backend/serve.py: nginx in front of gunicorn, as the
# image serves): http://localhost:$FRONTEND_PORT. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
FRONTEND_PORT=${FRONTEND_PORT:-8080}
HOST=${HOST:-127.0.0.1}

echo "building the page (the API on the same origin)"
VITE_API_URL=/ npm run build --prefix frontend --silent

echo
echo "  GAN Studio: http://localhost:$FRONTEND_PORT   (API docs: http://localhost:$FRONTEND_PORT/api/docs)"
echo
# nginx holds the clients, gunicorn (backend/gunicorn.conf.py: 2 preloaded workers, recycled) gets whole requests.
TORCH_THREADS=${TORCH_THREADS:-1} exec .venv/bin/python -m backend.serve --host "$HOST" --port "$FRONTEND_PORT" \
  --page frontend/dist

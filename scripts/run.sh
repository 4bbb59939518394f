#!/usr/bin/env bash
# Starts the backend (gunicorn, shipped checkpoints) and serves the built page; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND_PORT=${BACKEND_PORT:-5000}
FRONTEND_PORT=${FRONTEND_PORT:-8080}
HOST=${HOST:-127.0.0.1}
API_URL=${VITE_API_URL:-http://$HOST:$BACKEND_PORT}

echo "building the page for the API at $API_URL"
VITE_API_URL=$API_URL npm run build --prefix frontend --silent

# The page (:FRONTEND_PORT) calls the API (:BACKEND_PORT), another origin: CORS for the page's origins only.
# gunicorn as the image runs it (backend/gunicorn.conf.py: 2 preloaded workers, slow clients hold no thread).
CORS_ORIGINS=${CORS_ORIGINS:-http://$HOST:$FRONTEND_PORT,http://localhost:$FRONTEND_PORT} TORCH_THREADS=${TORCH_THREADS:-1} \
  .venv/bin/gunicorn -c backend/gunicorn.conf.py --bind "$HOST:$BACKEND_PORT" 'backend:create_app()' &
backend=$!
trap 'kill $backend 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 120); do
  curl -fs "http://$HOST:$BACKEND_PORT/api/health/ready" >/dev/null 2>&1 && break
  kill -0 $backend 2>/dev/null || { echo "the backend failed to start (see above)"; exit 1; }
  sleep 1
done
echo
echo "  GAN Studio: http://localhost:$FRONTEND_PORT   (API: $API_URL, docs: $API_URL/api/docs)"
echo
PREVIEW_PORT=$FRONTEND_PORT PREVIEW_HOST=$HOST npm run preview --prefix frontend --silent

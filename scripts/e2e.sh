#!/usr/bin/env bash
# End-to-end: the real backend (tiny test checkpoints) + the built page, driven by Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_browser.sh
work=$(mktemp -d)
API_PORT=${E2E_API_PORT:-5057}
WEB_PORT=${E2E_WEB_PORT:-8097}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

.venv/bin/python -m tests.tiny_models "$work"
GAN_STUDIO_MODELS="text-to-image=$work/text-to-image.pt,digits,super-resolution" CORS_ORIGINS="http://127.0.0.1:$WEB_PORT" \
  PORT=$API_PORT .venv/bin/python -m backend > "$work/backend.log" 2>&1 &
pids+=($!)
VITE_API_URL=http://127.0.0.1:$API_PORT npm run build --prefix frontend --silent -- --outDir "$work/dist" --emptyOutDir
(cd frontend && PREVIEW_PORT=$WEB_PORT exec node_modules/.bin/vite preview --outDir "$work/dist" > "$work/preview.log" 2>&1) &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$API_PORT/api/health" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$WEB_PORT" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "http://127.0.0.1:$API_PORT/api/health" >/dev/null || { cat "$work/backend.log"; exit 1; }
E2E_BASE_URL=http://127.0.0.1:$WEB_PORT E2E_API_URL=http://127.0.0.1:$API_PORT npm run test:e2e --prefix frontend

#!/usr/bin/env bash
# End-to-end: the real backend (tiny test checkpoints) + the built page, driven by Debian's chromium.
# The tests may stop and start the backend ($work/backend.sh stop|start: recovery after a restart) and
# train a tiny digits GAN into $work/runs (the Runs tab), all inside this script's temporary folder.
# E2E_SPECS="e2e/round3.test.mjs" runs only the named spec files (paths inside frontend/; --flags go to node --test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_browser.sh
work=$(mktemp -d)
API_PORT=${E2E_API_PORT:-5057}
WEB_PORT=${E2E_WEB_PORT:-8097}
pids=()
cleanup() {
  [ -f "$work/backend.pid" ] && kill "$(cat "$work/backend.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

.venv/bin/python -m tests.tiny_models "$work"
mkdir -p "$work/runs/digits_gan"
cat > "$work/backend.sh" <<SCRIPT
#!/usr/bin/env bash
# start: the backend in the background (pid in backend.pid), back when /api/health answers; stop: kill it.
set -euo pipefail
cd "$PWD"
if [ "\$1" = stop ]; then
  kill "\$(cat "$work/backend.pid")" 2>/dev/null || true
  while curl -fs "http://127.0.0.1:$API_PORT/api/health" >/dev/null 2>&1; do sleep 0.2; done
  exit 0
fi
GAN_STUDIO_MODELS="text-to-image=$work/text-to-image.pt,digits,super-resolution,sketch" \\
  GAN_STUDIO_RUNS="digits_gan=$work/runs/digits_gan" CORS_ORIGINS="http://127.0.0.1:$WEB_PORT" \\
  PORT=$API_PORT nohup .venv/bin/python -m backend >> "$work/backend.log" 2>&1 &
echo \$! > "$work/backend.pid"
for _ in \$(seq 1 240); do
  curl -fs "http://127.0.0.1:$API_PORT/api/health" >/dev/null 2>&1 && exit 0
  sleep 0.5
done
cat "$work/backend.log"; exit 1
SCRIPT
chmod +x "$work/backend.sh"
"$work/backend.sh" start &
starting=$!
VITE_API_URL=http://127.0.0.1:$API_PORT npm run build --prefix frontend --silent -- --outDir "$work/dist" --emptyOutDir
(cd frontend && PREVIEW_PORT=$WEB_PORT exec node_modules/.bin/vite preview --outDir "$work/dist" > "$work/preview.log" 2>&1) &
pids+=($!)
wait "$starting"
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$WEB_PORT" >/dev/null 2>&1 && break; sleep 1; done
E2E_BASE_URL=http://127.0.0.1:$WEB_PORT E2E_API_URL=http://127.0.0.1:$API_PORT E2E_BACKEND_CONTROL="$work/backend.sh" \
  E2E_PYTHON="$PWD/.venv/bin/python" E2E_REPO="$PWD" E2E_RUNS_DIR="$work/runs/digits_gan" \
  npm run test:e2e --prefix frontend -- ${E2E_SPECS:-}

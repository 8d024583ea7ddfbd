#!/usr/bin/env bash
# `npm start`: install, bring the stack up, migrate, start the workers, then register and crawl the demo
# lake (infra/demo.ts) once they poll, and serve the web catalog (http://127.0.0.1:8080, LAKE_WEB_PORT).
#   npm start             keeps the workers and the web catalog in the foreground until Ctrl-C (the stack stays up)
#   npm start -- --once   stops the workers after the demo, serves nothing
# Other arguments go to the workers (workers/main.ts), e.g. --no-inference.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ ! -x node_modules/.bin/tsx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[start] installing npm dependencies"
  npm ci --no-audit --no-fund
fi
bash infra/stack.sh up
node_modules/.bin/tsx db/migrate.ts

once=false
worker_args=()
for arg in "$@"; do
  if [ "$arg" = --once ]; then once=true; else worker_args+=("$arg"); fi
done

# the worker resolves the secret the demo's database source names
eval "$(node_modules/.bin/tsx infra/demo.ts --secret-env)"
# node itself runs the worker (compiled from dist/ when current, else through tsx: infra/dist.js), so
# signals reach it directly; Ctrl-C reaches it as part of the terminal's process group, a SIGTERM to this
# script is passed on
node infra/dist.js workers/main.ts ${worker_args[@]+"${worker_args[@]}"} &
worker=$!
trap 'true' INT
trap 'kill -TERM "$worker" 2>/dev/null || true' TERM
stop_worker() {
  kill -TERM "$worker" 2>/dev/null || true
  wait_worker
}
wait_worker() {
  local code=0
  # a trapped signal interrupts `wait`: wait again until the worker has finished shutting down
  while kill -0 "$worker" 2>/dev/null; do wait "$worker" && code=0 || code=$?; done
  return "$code"
}

if ! node_modules/.bin/tsx infra/demo.ts; then
  stop_worker || true
  exit 1
fi
if $once; then
  stop_worker
  exit $?
fi
node cli/lake.js serve &
web=$!
trap 'kill -TERM "$worker" "$web" 2>/dev/null || true' TERM
echo
echo 'workers keep running so schedules fire, and the web catalog serves; Ctrl-C stops both (the stack stays up: npm run stack -- down)'
code=0
wait_worker || code=$?
kill -TERM "$web" 2>/dev/null || true
wait "$web" 2>/dev/null || true
exit "$code"

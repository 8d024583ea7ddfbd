#!/usr/bin/env bash
# `npm start`: install, bring the stack up, migrate, start the worker and run the demo.
#   npm start             keeps the worker in the foreground until Ctrl-C (the stack stays up)
#   npm start -- --once   exits after the demo
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ ! -x node_modules/.bin/tsx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[start] installing npm dependencies"
  npm ci --no-audit --no-fund
fi
bash infra/stack.sh up
node_modules/.bin/tsx db/migrate.ts
# node itself runs the worker (tsx as a require hook), so Ctrl-C and SIGTERM reach it directly
exec node --require tsx/cjs workers/main.ts --demo "$@"

#!/usr/bin/env bash
# `npm test`: type-checks, brings the stack up when anything is not running (idempotent, seconds when it
# is), migrates, then runs every vitest project (unit + integration). Extra arguments go to vitest.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node_modules/.bin/tsc --noEmit -p .
bash infra/stack.sh up >/dev/null
node_modules/.bin/tsx db/migrate.ts
exec node_modules/.bin/vitest run "$@"

#!/usr/bin/env bash
# Builds the native-core probe (bench only): the Rust N-API addon bench/native-core/lake_native_core.node,
# and with `wasm` also bench/native-core/lake_native_core.wasm (needs `rustup target add wasm32-unknown-unknown`).
# Needs cargo (rustup, stable) and crates.io the first time; later builds work offline.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked
cp target/release/liblake_native_core.so lake_native_core.node
echo "built $(pwd)/lake_native_core.node ($(stat -c %s lake_native_core.node) bytes)"
if [ "${1:-}" = wasm ]; then
  cargo build --release --locked --target wasm32-unknown-unknown
  cp target/wasm32-unknown-unknown/release/lake_native_core.wasm lake_native_core.wasm
  echo "built $(pwd)/lake_native_core.wasm ($(stat -c %s lake_native_core.wasm) bytes)"
fi

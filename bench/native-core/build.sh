#!/usr/bin/env bash
# Builds the native-core probe (bench only): a Rust N-API addon, bench/native-core/lake_native_core.node.
# Needs cargo (rustup, stable, x86_64) and crates.io the first time; later builds work offline.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked "$@"
cp target/release/liblake_native_core.so lake_native_core.node
echo "built $(pwd)/lake_native_core.node ($(stat -c %s lake_native_core.node) bytes)"

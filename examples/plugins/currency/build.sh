#!/bin/sh
# Builds plugin.wasm from src/*.c with clang and lld, freestanding (no libc, no WASI).
# Usage: ./build.sh [OUTPUT]   (default: plugin.wasm next to this script)
# The build is deterministic: no debug info, no names, no producers section, sources in a
# fixed order and passed by relative path, so the same clang gives the same bytes.
set -eu
cd "$(dirname "$0")"
out="${1:-plugin.wasm}"
CC="${CC:-clang}"
# clang runs binaryen's wasm-opt after linking when one is on PATH (npm's assemblyscript
# brings one), which changes the bytes: build without it so the output depends on clang only.
PATH=$(printf '%s\n' "$PATH" | tr ':' '\n' | while read -r dir; do
  [ -x "$dir/wasm-opt" ] || printf '%s:' "$dir"
done)
export PATH
"$CC" --target=wasm32-unknown-unknown -std=c11 -O2 -nostdlib -ffreestanding -fno-builtin \
  -Wall -Wextra -Werror -Iinclude \
  -Wl,--no-entry \
  -Wl,--export=convert \
  -Wl,--strip-all \
  -Wl,-z,stack-size=65536 \
  -Wl,--max-memory=16777216 \
  -o "$out" \
  src/currency.c src/json.c src/pdk.c

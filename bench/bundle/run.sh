#!/usr/bin/env bash
# PKM Explorer GPU benchmark. Unpacks its own Node, Dawn (WebGPU) and Vulkan loader into a temp
# folder, runs the WebGPU suites on this machine's Vulkan driver, then the same suites on wasm.
# Needs bash, gzip and mktemp only. Options: bash run.sh --help.
set -euo pipefail

case "${BASH_SOURCE[0]}" in
  */*) here="${BASH_SOURCE[0]%/*}" ;;
  *) here=. ;;
esac
here="$(cd "$here" && pwd)"
# shellcheck source=find_icd.sh
. "$here/find_icd.sh"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/pkm-gpu-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
for f in "$here"/payload/*.gz; do
  name="${f##*/}"
  gzip -dc "$f" > "$tmp/${name%.gz}"
done
chmod +x "$tmp/node"

if loader="$(find_system_vulkan_loader)"; then
  echo "[gpu-bench] Vulkan loader: $loader (the machine's)" >&2
else
  mkdir -p "$tmp/lib"
  gzip -dc "$here/lib/libvulkan.so.1.gz" > "$tmp/lib/libvulkan.so.1"
  export LD_LIBRARY_PATH="$tmp/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "[gpu-bench] Vulkan loader: the bundled libvulkan.so.1 (none installed)" >&2
fi
if icd="$(find_vulkan_icd)"; then
  export VK_ICD_FILENAMES="$icd"
  echo "[gpu-bench] Vulkan driver: $icd" >&2
else
  echo "[gpu-bench] no NVIDIA ICD file found and VK_ICD_FILENAMES unset: the Vulkan loader's own search decides" >&2
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$tmp}"

PKM_BUNDLE_DIR="$tmp" "$tmp/node" "$tmp/bench.cjs" --out "${PKM_BENCH_OUT:-$PWD/gpu-bench-results}" "$@"

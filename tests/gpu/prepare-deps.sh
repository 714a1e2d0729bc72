#!/usr/bin/env bash
# Copies the header-only dependencies and GoogleTest's sources from this
# (Debian) machine into .deps/, for a DRIG_MODEL_ONLY build on a GPU machine
# that has PyTorch but no Debian -dev packages. .deps/ is git-ignored; pass it
# to the device run with carry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
deps="$root/.deps"
rm -rf "$deps"
mkdir -p "$deps/include"
cp -r /usr/include/spdlog /usr/include/fmt /usr/include/nlohmann "$deps/include/"
cp -r /usr/src/googletest "$deps/googletest"
du -sh "$deps"

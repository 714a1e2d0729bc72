#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   packaging/bootstrap.sh studio   install dependencies, build, launch DiffusionRig Studio
#   packaging/bootstrap.sh test     install dependencies, build, run the whole test suite
#   packaging/bootstrap.sh build    install dependencies and build only
#   packaging/bootstrap.sh package  install dependencies, build, make the .deb in build/package
# Idempotent: re-running skips what is already installed and rebuilds incrementally.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
build_dir="${DRIG_BUILD_DIR:-$here/build}"
jobs="${DRIG_JOBS:-$(nproc)}"

packages=(
  build-essential cmake ninja-build ccache pkg-config git xz-utils clang-format
  libtorch-dev libeigen3-dev
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev libqt6svg6 libgl-dev
  libopencv-dev opencv-data libdlib-dev libdlib-data liblmdb-dev libgloo-dev
  libheif-dev liblcms2-dev libexif-dev zlib1g-dev libtiff-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev python3-torch python3-lmdb python3-pil
  libegl-dev libegl-mesa0 libgl1-mesa-dri libgles-dev
  xvfb xauth fonts-dejavu-core
  dpkg-dev desktop-file-utils appstream
)

# The face models of the identity guard (MIT): the npm package, pinned and
# checked, unpacked into the user's data folder. The program itself never
# downloads anything.
face_api_version=1.7.15
face_api_sha256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
face_models_dir="${DIFFUSIONRIG_FACE_MODELS:-$HOME/.local/share/diffusionrig/face-api}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_dependencies() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "All ${#packages[@]} Debian packages already installed"
    return
  fi
  log "Installing ${#missing[@]} Debian packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# npm fetches the face-api package by name; Debian's npm when there is none.
ensure_npm() {
  command -v npm > /dev/null && return
  log "Installing Debian's npm (to fetch the face-api package)"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
}

install_face_models() {
  if [ -f "$face_models_dir/face_recognition_model-weights_manifest.json" ]; then
    log "Face-api models already in $face_models_dir"
    return
  fi
  log "Fetching the face-api models (@vladmandic/face-api $face_api_version, MIT) into $face_models_dir"
  local tmp
  tmp="$(mktemp -d)"
  ensure_npm
  (cd "$tmp" && npm pack --silent "@vladmandic/face-api@$face_api_version" > /dev/null)
  echo "$face_api_sha256  $tmp/vladmandic-face-api-$face_api_version.tgz" | sha256sum -c --quiet -
  tar -xzf "$tmp/vladmandic-face-api-$face_api_version.tgz" -C "$tmp" package/model package/LICENSE
  mkdir -p "$face_models_dir"
  cp "$tmp"/package/model/* "$face_models_dir/"
  cp "$tmp/package/LICENSE" "$face_models_dir/LICENSE"
  rm -rf "$tmp"
}

# For the test that checks our face detector against face-api's own
# TensorFlow.js run: the package and TensorFlow.js, pinned, in a cache folder
# (tests only; skipped, with a note, without npm or the network).
tfjs_dir="${DRIG_TFJS_DIR:-$HOME/.cache/diffusionrig/tfjs}"
install_tfjs_reference() {
  if [ -f "$tfjs_dir/node_modules/@vladmandic/face-api/package.json" ] &&
    [ -d "$tfjs_dir/node_modules/@tensorflow/tfjs-backend-wasm" ]; then
    log "TensorFlow.js reference already in $tfjs_dir"
    return
  fi
  if ! command -v npm > /dev/null || ! command -v node > /dev/null; then
    log "No node/npm: the face-api comparison test will skip"
    return
  fi
  log "Installing the TensorFlow.js reference for the tests into $tfjs_dir"
  mkdir -p "$tfjs_dir"
  (cd "$tfjs_dir" && npm install --silent --no-audit --no-fund --no-save --prefix . \
    "@vladmandic/face-api@$face_api_version" @tensorflow/tfjs@4.22.0 \
    @tensorflow/tfjs-backend-wasm@4.22.0) ||
    log "npm install failed: the face-api comparison test will skip"
}

# build [TARGET...]: everything, or only the named targets (and what they need).
build() {
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  export CCACHE_BASEDIR="$here"
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
  export CCACHE_COMPILERCHECK=content
  log "Configuring in $build_dir"
  cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRIG_WERROR="${DRIG_WERROR:-ON}" ${DRIG_CMAKE_ARGS:-}
  if [ $# -gt 0 ]; then
    log "Building $* with $jobs jobs"
    cmake --build "$build_dir" -j "$jobs" --target "$@"
  else
    log "Building with $jobs jobs"
    cmake --build "$build_dir" -j "$jobs"
  fi
}

# The test run's last lines: how many test cases skipped, and why (a missing
# GPU, ../shared or model files). ctest shows a binary whose cases all skipped
# as "Skipped"; this also lists the cases skipped inside passing binaries.
report_skips() {
  local log_file="$build_dir/Testing/Temporary/LastTest.log"
  [ -f "$log_file" ] || return 0
  local cases
  cases=$(awk '
    /: Skipped$/ { getline reason; why = reason; next }
    /^\[  SKIPPED \] [A-Za-z_].* \([0-9]+ ms\)$/ { print "  " $4 ": " why; why = "" }
    /^SKIP   : / { sub(/^SKIP   : /, ""); print "  " $0 }
  ' "$log_file")
  if [ -z "$cases" ]; then
    log "No test case was skipped"
    return 0
  fi
  log "$(printf '%s\n' "$cases" | wc -l) test case(s) skipped:"
  printf '%s\n' "$cases" >&2
}

# The file-format readers' fuzz test built apart with ASan + UBSan (only the
# readers and the test: a few minutes cold, seconds from the cache). Any
# sanitizer report fails it. DRIG_SANITIZER_FUZZ=0 leaves it out.
fuzz_under_sanitizers() {
  [ "${DRIG_SANITIZER_FUZZ:-1}" = 1 ] || return 0
  local asan_dir="$build_dir-asan"
  log "Building the format readers' fuzz test with ASan + UBSan in $asan_dir"
  # Called after `||`, where set -e does not stop at a failure: chained instead.
  cmake -S "$here" -B "$asan_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRIG_FUZZ_ONLY=ON \
    -DDRIG_SANITIZE=ON -DDRIG_WERROR="${DRIG_WERROR:-ON}" -DDRIG_BUILD_GUI=OFF &&
    cmake --build "$asan_dir" -j "$jobs" &&
    log "Fuzzing the format readers under the sanitizers" &&
    (cd "$asan_dir" &&
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        DRIG_FUZZ_ITERATIONS="${DRIG_FUZZ_ITERATIONS:-800}" \
        ctest --output-on-failure --timeout 900)
}

case "${1:-}" in
studio)
  install_dependencies
  install_face_models
  # Only what it launches: the window comes sooner than after the whole test suite's build.
  build diffusionrig-studio diffusionrig
  log "Launching DiffusionRig Studio"
  exec "$build_dir/app/studio/diffusionrig-studio" "${@:2}"
  ;;
test)
  install_dependencies
  install_face_models
  install_tfjs_reference
  build
  log "Running the test suite (GUI tests under xvfb-run)"
  cd "$build_dir"
  xvfb-run -a -s "-screen 0 1600x1000x24" \
    env DRIG_TFJS_NODE_MODULES="$tfjs_dir/node_modules" \
    ctest --output-on-failure --timeout 600 -j "$jobs" "${@:2}" || status=$?
  report_skips
  if [ $# -le 1 ]; then # the whole suite, not a chosen part of it
    fuzz_under_sanitizers || status=${status:-1}
  fi
  exit "${status:-0}"
  ;;
build)
  install_dependencies
  install_face_models
  build
  ;;
package)
  install_dependencies
  build
  log "Making the Debian package"
  (cd "$build_dir" && cpack -G DEB -B "$build_dir/package")
  ls "$build_dir"/package/*.deb
  ;;
*)
  echo "usage: $0 studio|test|build|package [args...]" >&2
  exit 64
  ;;
esac

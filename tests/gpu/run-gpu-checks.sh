#!/usr/bin/env bash
# Run on the GPU machine (see tests/gpu/README.md): builds drig_model, its
# tests and benchmarks against the CUDA LibTorch inside the machine's PyTorch
# and runs them. Results go to $OUT (or ./gpu-out).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT:-$root/gpu-out}"
mkdir -p "$out"
exec > >(tee "$out/gpu-checks.log") 2>&1
set -x
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
python3 -c 'import torch;print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'
prefix="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$root/build-gpu" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DDRIG_MODEL_ONLY=ON -DCMAKE_PREFIX_PATH="$prefix" -DDRIG_BUILD_BENCHMARKS=ON || exit 1
cmake --build "$root/build-gpu" -j "$(nproc)" || exit 1
readelf -d "$root/build-gpu/tests/model/test_model_formats" | grep NEEDED
# Fixtures copied from ../shared into .gpu/shared (carried with the run).
[ -d "$root/.gpu/shared" ] && export DRIG_SHARED_DIR="$root/.gpu/shared"
# The interop tests then also check against this machine's (newer) PyTorch.
export DRIG_PYTHON="$(command -v python3)"
ctest --test-dir "$root/build-gpu" --output-on-failure -j 4
rc=$?
# Show that the GPU tests ran rather than skipped.
for t in "$root"/build-gpu/tests/model/test_*_gpu; do "$t" --gtest_brief=0 | grep -E "OK|SKIPPED|FAILED"; done
for bench in "$root"/build-gpu/model/bench/bench_*; do
  [ -x "$bench" ] && "$bench" --benchmark_min_time=0.2 --benchmark_out="$out/$(basename "$bench").json" \
    --benchmark_out_format=json
done
"$root"/build-gpu/model/bench/bench_checkpoint_io --size-mb 500 --dir /tmp --python "$DRIG_PYTHON"
exit $rc

#!/usr/bin/env bash
# A shorter GPU pass after run-gpu-checks.sh: build, the fixture checks that
# depend on the LibTorch version, and the 256² timings per precision.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT:-$root/gpu-out}"
mkdir -p "$out"
exec > >(tee "$out/gpu-bench.log") 2>&1
start=$(date +%s)
stamp() { echo "=== $1 (+$(($(date +%s) - start)) s)"; }
prefix="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
build="$root/build-gpu"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDRIG_MODEL_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$prefix" >"$out/configure.log" 2>&1 || { tail -20 "$out/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target bench_cases test_model_diffusion >"$out/build.log" 2>&1 ||
  { grep -E "error" "$out/build.log" | head -20; exit 1; }
stamp built
export DRIG_SHARED_DIR="$root/.gpu/shared"
"$build/tests/model/test_model_diffusion" --gtest_filter='TrainStep*' 2>&1 | grep -E "^\[ +(OK|FAILED) |Failure" 
bench="$build/model/bench_cases"
"$bench" --device cuda --size 256 --precision bf16,fp16,fp32 --iterations 5 --warmup 2 \
  --json "$out/bench_cuda_256.json"
stamp bench
"$bench" --device cuda --size 256 --cases unet_forward --batch 4 --precision bf16,fp32 \
  --iterations 5 --warmup 2 --json "$out/bench_cuda_256_b4.json"
DRIG_CUDA_GRAPHS=0 "$bench" --device cuda --size 256 --cases ddim_edit --precision bf16,fp32 \
  --iterations 5 --warmup 2 --json "$out/bench_cuda_256_nographs.json"
stamp done

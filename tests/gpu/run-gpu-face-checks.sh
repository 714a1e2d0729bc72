#!/usr/bin/env bash
# On the GPU machine: the face model (FLAME, DECA encoder, face file formats) built
# against the machine's CUDA LibTorch, its tests, and the CUDA-vs-CPU checks.
# Results in $OUT. Carry .deps and .gpu (tests/gpu/README.md).
set -uo pipefail
prefix="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
python3 -c 'import torch;print("torch", torch.__version__, torch.cuda.is_available())'
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DDRIG_MODEL_ONLY=ON -DDRIG_BUILD_BENCHMARKS=OFF -DCMAKE_PREFIX_PATH="$prefix" > $OUT/configure.log 2>&1 || { tail -20 $OUT/configure.log; exit 1; }
time ninja -C build-gpu -k 0 test_model_flame test_model_deca_encoder test_model_face_io test_model_formats > $OUT/build.log 2>&1 || grep -E "error|FAILED" $OUT/build.log | head -20
export DRIG_SHARED_DIR=$PWD/.gpu/shared DRIG_PYTHON=$(command -v python3)
ctest --test-dir build-gpu --output-on-failure -j 4 --timeout 300 -R "flame|deca|face_io|formats$" 2>&1 | tail -25
build-gpu/tests/model/test_model_flame --gtest_filter=*Cuda*:*CUDA*:*Gpu*:*GPU* 2>&1 | grep -E "^\[ +(OK|SKIPPED|FAILED) "
build-gpu/tests/model/test_model_deca_encoder --gtest_filter=*Cuda*:*CUDA*:*Gpu*:*GPU* 2>&1 | grep -E "^\[ +(OK|SKIPPED|FAILED) "

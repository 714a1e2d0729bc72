#pragma once

// The exact pixel loops vectorise about twice as wide with AVX2; a runtime
// dispatched clone keeps the build portable. Element-wise IEEE arithmetic and
// integer sums give the same bits in either clone (no FMA: -ffp-contract=off
// and the avx2 target does not enable it).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(DRIG_FFHQ_NO_CLONES)
#define DRIG_FFHQ_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DRIG_FFHQ_CLONES
#endif

# Sources of training/ffhq_align (appended to drig_training).
set(DRIG_FFHQ_ALIGN_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/ffhq_align.cpp ${CMAKE_CURRENT_LIST_DIR}/pil_quad_transform.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pil_resample.cpp ${CMAKE_CURRENT_LIST_DIR}/reflect_blur.cpp)
target_sources(drig_training PRIVATE ${DRIG_FFHQ_ALIGN_SOURCES})
# Bit-exactness with numpy/scipy/Pillow needs each multiply and add rounded on
# its own; a fused multiply-add (e.g. under -march=native) would change results.
# -O3 lets GCC vectorise the exact per-pixel loops (its -O2 cost model does not),
# in every configuration since the tests push 25 4096x4096 transforms through them.
set_source_files_properties(${DRIG_FFHQ_ALIGN_SOURCES} PROPERTIES COMPILE_OPTIONS
                                                                  "-ffp-contract=off;-O3")

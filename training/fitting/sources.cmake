# Sources of training/fitting (appended to drig_training).
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/deca_preprocess.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/skimage_ops.cpp)
# The resize must match scipy to the last bit: no fused multiply-adds.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/skimage_ops.cpp
                            PROPERTIES COMPILE_OPTIONS -ffp-contract=off)

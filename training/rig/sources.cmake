# Sources of training/rig: DECA fitting, rig files and edits, rig -> physical buffers
# (appended to drig_training).
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/rig_file.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/fit_job.cpp)
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/deca_preprocess.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/skimage_ops.cpp)
# The resize must match scipy to the last bit: no fused multiply-adds.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/skimage_ops.cpp
                            PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
target_sources(
  drig_training
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/buffer_tensors.cpp ${CMAKE_CURRENT_LIST_DIR}/rig_edit.cpp
          ${CMAKE_CURRENT_LIST_DIR}/rig_renderer.cpp ${CMAKE_CURRENT_LIST_DIR}/buffer_files.cpp)
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/buffer_images.cpp)

# Sources of training/rendering (rig -> physical buffers), appended to drig_training.
target_sources(
  drig_training
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/buffer_tensors.cpp ${CMAKE_CURRENT_LIST_DIR}/rig_edit.cpp
          ${CMAKE_CURRENT_LIST_DIR}/rig_renderer.cpp ${CMAKE_CURRENT_LIST_DIR}/buffer_files.cpp)

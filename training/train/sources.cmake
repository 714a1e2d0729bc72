# Sources of training/train (the training loop of scripts/train.py), appended to drig_training.
target_sources(
  drig_training
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/optimizer_state.cpp ${CMAKE_CURRENT_LIST_DIR}/train_data.cpp
          ${CMAKE_CURRENT_LIST_DIR}/train_loop.cpp ${CMAKE_CURRENT_LIST_DIR}/distributed.cpp
          ${CMAKE_CURRENT_LIST_DIR}/event_file.cpp)

# Multi-process training needs LibTorch's c10d headers and Gloo's (Debian:
# libgloo-dev; the pip wheels ship both). Without them, WORLD_SIZE > 1 is a
# clear error at run time.
find_path(DRIG_C10D_GLOO_HEADER torch/csrc/distributed/c10d/ProcessGroupGloo.hpp
          HINTS ${TORCH_INCLUDE_DIRS})
find_path(DRIG_GLOO_INCLUDE_DIR gloo/algorithm.h HINTS ${TORCH_INCLUDE_DIRS})
if(DRIG_C10D_GLOO_HEADER AND DRIG_GLOO_INCLUDE_DIR)
  message(STATUS "Distributed training: c10d + Gloo (${DRIG_GLOO_INCLUDE_DIR})")
  set_source_files_properties(
    ${CMAKE_CURRENT_LIST_DIR}/distributed.cpp PROPERTIES COMPILE_DEFINITIONS
                                                         "DRIG_HAVE_C10D_GLOO=1;USE_C10D_GLOO=1")
  target_include_directories(drig_training SYSTEM PRIVATE ${DRIG_GLOO_INCLUDE_DIR})
else()
  message(STATUS "Distributed training: off (no c10d/Gloo headers; Debian: libgloo-dev)")
endif()

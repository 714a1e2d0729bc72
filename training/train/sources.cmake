# Sources of training/train (the training loop of scripts/train.py), appended to drig_training.
target_sources(
  drig_training
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/optimizer_state.cpp ${CMAKE_CURRENT_LIST_DIR}/train_data.cpp
          ${CMAKE_CURRENT_LIST_DIR}/train_loop.cpp)

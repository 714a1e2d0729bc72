# Sources of training/identity (the identity guard), appended to drig_training.
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/identity_guard.cpp)

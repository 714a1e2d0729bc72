# Sources of training/setup (the model set-up assistant), appended to drig_training.
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/asset_install.cpp)
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/library_versions.cpp)

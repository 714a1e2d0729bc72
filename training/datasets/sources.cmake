# Sources of training/datasets (DiffusionRig's LMDB datasets, create-data), appended to drig_training.
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/lmdb_dataset.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/create_data.cpp)

# Tests of training/datasets (LMDB in the original layout, create-data).
drig_add_test(
  NAME test_training_lmdb_dataset
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/lmdb_dataset_test.cpp
  LIBS drig_training drig_test_support_torch
  LABELS unit TORCH_PCH)
drig_add_test(
  NAME test_training_python_interop
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/python_interop_test.cpp
  LIBS drig_training drig_test_support_torch
  LABELS unit TORCH_PCH)

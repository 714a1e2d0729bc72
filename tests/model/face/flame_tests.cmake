# Tests of model/face (flame part).
drig_add_test(
  NAME test_model_flame
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/flame_test.cpp ${CMAKE_CURRENT_LIST_DIR}/flame_errors_test.cpp
  LIBS drig_model drig_test_support_torch
  LABELS unit TORCH_PCH)

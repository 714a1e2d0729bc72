# Tests of training/rendering (rig -> physical buffers).
drig_add_test(
  NAME test_training_reference_render
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reference_render_test.cpp
  LIBS drig_training drig_test_support_torch
  LABELS unit TORCH_PCH)

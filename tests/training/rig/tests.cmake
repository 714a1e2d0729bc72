# Tests of training/rig: the fit job,
drig_add_test(NAME test_training_fit_job SOURCES ${CMAKE_CURRENT_LIST_DIR}/fit_job_test.cpp
              LIBS drig_training LABELS unit TORCH_PCH)
# DECA's preprocessing,
drig_add_test(NAME test_training_deca_preprocess
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/deca_preprocess_test.cpp LIBS drig_training
              LABELS unit)
# and rig -> physical buffers.
drig_add_test(
  NAME test_training_reference_render
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reference_render_test.cpp
  LIBS drig_training drig_test_support_torch
  LABELS unit TORCH_PCH)

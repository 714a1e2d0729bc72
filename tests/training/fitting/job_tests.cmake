# Tests of training/fitting (job part).
drig_add_test(NAME test_training_fit_job SOURCES ${CMAKE_CURRENT_LIST_DIR}/fit_job_test.cpp
              LIBS drig_training LABELS unit TORCH_PCH)

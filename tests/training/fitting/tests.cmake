# Tests of training/fitting.
drig_add_test(NAME test_training_deca_preprocess
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/deca_preprocess_test.cpp LIBS drig_training
              LABELS unit)

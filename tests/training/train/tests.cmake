# Tests of training/train parts that need no model (the model-level loop is
# tested through the CLI in tests/app).
drig_add_test(NAME test_training_train SOURCES ${CMAKE_CURRENT_LIST_DIR}/event_file_test.cpp
              ${CMAKE_CURRENT_LIST_DIR}/train_options_test.cpp
              LIBS drig_training drig_test_support LABELS unit)

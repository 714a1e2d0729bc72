# Tests of training/setup: the model set-up assistant and library versions.
drig_add_test(NAME test_training_asset_install
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/asset_install_test.cpp
              LIBS drig_training drig_test_support LABELS unit)
drig_add_test(NAME test_training_versions SOURCES ${CMAKE_CURRENT_LIST_DIR}/library_versions_test.cpp
              LIBS drig_training LABELS unit)

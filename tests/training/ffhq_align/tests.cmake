# Tests of training/ffhq_align.
drig_add_test(NAME test_training_ffhq_align
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/ffhq_align_test.cpp
                      ${CMAKE_CURRENT_LIST_DIR}/ffhq_helpers_test.cpp
              LIBS drig_training LABELS integration)

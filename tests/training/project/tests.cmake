# Tests of training/project (the Studio's project manifest).
drig_add_test(NAME test_training_project SOURCES ${CMAKE_CURRENT_LIST_DIR}/project_test.cpp ${CMAKE_CURRENT_LIST_DIR}/album_person_test.cpp
              LIBS drig_training drig_test_support LABELS unit)

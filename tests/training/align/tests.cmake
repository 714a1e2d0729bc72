# Tests of training/align (reference_faces: the reference portraits and their landmarks).
drig_add_test(NAME test_training_face_detector
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/face_detector_test.cpp LIBS drig_training
              LABELS integration)
drig_add_test(NAME test_training_group_recall
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/group_recall_test.cpp
                      ${CMAKE_CURRENT_LIST_DIR}/reference_faces.cpp LIBS drig_training
              LABELS integration)
drig_add_test(NAME test_training_hard_faces
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/hard_faces_test.cpp
                      ${CMAKE_CURRENT_LIST_DIR}/reference_faces.cpp LIBS drig_training
              LABELS integration)
drig_add_test(NAME test_training_album_job SOURCES ${CMAKE_CURRENT_LIST_DIR}/album_job_test.cpp
              LIBS drig_training LABELS integration)
drig_add_test(NAME test_training_reference_album
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/reference_album_test.cpp LIBS drig_training
              LABELS integration)
drig_add_test(NAME test_training_ssd_pass
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/ssd_pass_test.cpp
                      ${CMAKE_CURRENT_LIST_DIR}/reference_faces.cpp LIBS drig_training
              LABELS integration)

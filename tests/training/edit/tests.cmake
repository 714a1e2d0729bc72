# Tests of training/edit: the editing engine behind infer and the Studio.
drig_add_test(
  NAME test_training_editing
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/editing_test.cpp ${CMAKE_CURRENT_LIST_DIR}/edit_run_test.cpp ${CMAKE_CURRENT_LIST_DIR}/edit_controls_test.cpp ${CMAKE_CURRENT_LIST_DIR}/colour_lock_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/photo_writer_test.cpp
  LIBS drig_training drig_test_support_torch
  LABELS integration TORCH_PCH)
# Tests of training/edit's identity guard (over face-api's descriptor network).
drig_add_test(
  NAME test_training_identity
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/identity_test.cpp ${CMAKE_CURRENT_LIST_DIR}/face_api_ports_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/face_api_node.cpp ${CMAKE_CURRENT_LIST_DIR}/guarded_edit_test.cpp
  LIBS drig_training drig_test_support_torch
  LABELS integration TORCH_PCH)

# Tests of training/identity (the identity guard over face-api's descriptor network).
drig_add_test(
  NAME test_training_identity
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/identity_test.cpp ${CMAKE_CURRENT_LIST_DIR}/face_api_ports_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/face_api_node.cpp ${CMAKE_CURRENT_LIST_DIR}/guarded_edit_test.cpp
  LIBS drig_training drig_test_support_torch
  LABELS integration TORCH_PCH)

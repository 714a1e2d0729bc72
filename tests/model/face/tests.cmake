# Tests of model/face: FLAME, the DECA encoder, their file formats.
drig_add_test(
  NAME test_model_flame
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/flame_test.cpp ${CMAKE_CURRENT_LIST_DIR}/flame_errors_test.cpp
  LIBS drig_model drig_test_support_torch
  LABELS unit TORCH_PCH)
drig_add_test(NAME test_model_deca_encoder SOURCES ${CMAKE_CURRENT_LIST_DIR}/deca_encoder_test.cpp
              LIBS drig_model drig_test_support_torch LABELS integration TORCH_PCH)
drig_add_test(NAME test_model_face_io SOURCES ${CMAKE_CURRENT_LIST_DIR}/face_io_test.cpp
              LIBS drig_model drig_test_support_torch LABELS unit TORCH_PCH)

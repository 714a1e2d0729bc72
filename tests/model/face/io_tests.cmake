# Tests of model/face (file formats part).
drig_add_test(NAME test_model_face_io SOURCES ${CMAKE_CURRENT_LIST_DIR}/face_io_test.cpp
              LIBS drig_model drig_test_support_torch LABELS unit TORCH_PCH)

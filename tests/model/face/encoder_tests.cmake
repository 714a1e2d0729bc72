# Tests of model/face (encoder part).
drig_add_test(NAME test_model_deca_encoder SOURCES ${CMAKE_CURRENT_LIST_DIR}/deca_encoder_test.cpp
              LIBS drig_model drig_test_support_torch LABELS integration TORCH_PCH)

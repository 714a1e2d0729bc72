# Sources of model/face (encoder part), appended to drig_model.
target_sources(drig_model PRIVATE ${CMAKE_CURRENT_LIST_DIR}/deca_encoder.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/resnet50.cpp)

# Sources of model/face: FLAME, the DECA encoder, their file formats and the geometry the
# physical-buffer renderer takes, appended to drig_model.
target_sources(
  drig_model
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/flame.cpp ${CMAKE_CURRENT_LIST_DIR}/flame_assets.cpp
          ${CMAKE_CURRENT_LIST_DIR}/flame_geometry.cpp ${CMAKE_CURRENT_LIST_DIR}/flame_texture.cpp
          ${CMAKE_CURRENT_LIST_DIR}/shading.cpp)
target_sources(drig_model PRIVATE ${CMAKE_CURRENT_LIST_DIR}/deca_encoder.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/resnet50.cpp)
target_sources(drig_model PRIVATE ${CMAKE_CURRENT_LIST_DIR}/mean_shape.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/obj_mesh.cpp)
target_sources(drig_model PRIVATE ${CMAKE_CURRENT_LIST_DIR}/render_geometry.cpp)

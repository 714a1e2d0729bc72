# Sources of model/face (flame part), appended to drig_model.
target_sources(
  drig_model
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/flame.cpp ${CMAKE_CURRENT_LIST_DIR}/flame_assets.cpp
          ${CMAKE_CURRENT_LIST_DIR}/flame_geometry.cpp ${CMAKE_CURRENT_LIST_DIR}/flame_texture.cpp
          ${CMAKE_CURRENT_LIST_DIR}/shading.cpp)

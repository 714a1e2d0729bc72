# Sources of model/face (file formats: mean shape pickle, OBJ meshes), appended to drig_model.
target_sources(drig_model PRIVATE ${CMAKE_CURRENT_LIST_DIR}/mean_shape.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/obj_mesh.cpp)

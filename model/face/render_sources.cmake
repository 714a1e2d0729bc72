# Sources of model/face (geometry for the physical-buffer renderer), appended to drig_model.
target_sources(drig_model PRIVATE ${CMAKE_CURRENT_LIST_DIR}/render_geometry.cpp)

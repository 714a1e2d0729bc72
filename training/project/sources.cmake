# Sources of training/project (the Studio's project folder and manifest), appended to drig_training.
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/project.cpp ${CMAKE_CURRENT_LIST_DIR}/album_person.cpp ${CMAKE_CURRENT_LIST_DIR}/person_faces.cpp)

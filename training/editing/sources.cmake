# Sources of training/editing (the editing engine: infer, the Studio's editor), appended to drig_training.
target_sources(
  drig_training
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/edit_spec.cpp ${CMAKE_CURRENT_LIST_DIR}/edit_controls.cpp ${CMAKE_CURRENT_LIST_DIR}/cache_prune.cpp
          ${CMAKE_CURRENT_LIST_DIR}/edit_engine.cpp ${CMAKE_CURRENT_LIST_DIR}/guarded_edit.cpp ${CMAKE_CURRENT_LIST_DIR}/light_from_file.cpp ${CMAKE_CURRENT_LIST_DIR}/colour_lock.cpp
          ${CMAKE_CURRENT_LIST_DIR}/paste_back.cpp ${CMAKE_CURRENT_LIST_DIR}/photo_writer.cpp
          ${CMAKE_CURRENT_LIST_DIR}/tiff_exif.cpp ${CMAKE_CURRENT_LIST_DIR}/source_paste.cpp)

# Sources of training/edit: the editing engine behind infer and the Studio's editor, and the
# identity guard (appended to drig_training).
target_sources(
  drig_training
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/edit_spec.cpp ${CMAKE_CURRENT_LIST_DIR}/edit_controls.cpp ${CMAKE_CURRENT_LIST_DIR}/cache_prune.cpp
          ${CMAKE_CURRENT_LIST_DIR}/edit_engine.cpp ${CMAKE_CURRENT_LIST_DIR}/edit_run.cpp ${CMAKE_CURRENT_LIST_DIR}/guarded_edit.cpp ${CMAKE_CURRENT_LIST_DIR}/light_from_file.cpp ${CMAKE_CURRENT_LIST_DIR}/colour_lock.cpp
          ${CMAKE_CURRENT_LIST_DIR}/paste_back.cpp ${CMAKE_CURRENT_LIST_DIR}/source_paste.cpp)
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/identity_guard.cpp)

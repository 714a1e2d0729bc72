# Sources of ui/album: the album: photos, alignment and fitting jobs, Personalize (appended to drig_ui).
target_sources(drig_ui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/album_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/face_pick_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/personalize_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/project_album_jobs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/project_controller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/project_person_check.cpp
  ${CMAKE_CURRENT_LIST_DIR}/project_personalize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_chart.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_estimate.cpp
)

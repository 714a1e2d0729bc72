# Sources of ui/shell: the main window, its menus, settings, jobs and start-up checks (appended to drig_ui).
target_sources(drig_ui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/about_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/app_icon.cpp
  ${CMAKE_CURRENT_LIST_DIR}/background_job.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_line.cpp
  ${CMAKE_CURRENT_LIST_DIR}/display_check.cpp
  ${CMAKE_CURRENT_LIST_DIR}/empty_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jobs_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_sink.cpp
  ${CMAKE_CURRENT_LIST_DIR}/main_actions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/main_window.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_setup_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/preferences_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/screenshot.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/status_indicators.cpp
)

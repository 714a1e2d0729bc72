# Sources of ui/editor: the editor: controls, presets, Generate and Export (appended to drig_ui).
target_sources(drig_ui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/control_group.cpp
  ${CMAKE_CURRENT_LIST_DIR}/controls_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/editor_canvas.cpp
  ${CMAKE_CURRENT_LIST_DIR}/editor_controller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/editor_generate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/editor_presets.cpp
  ${CMAKE_CURRENT_LIST_DIR}/export_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sh_light_dialog.cpp
)

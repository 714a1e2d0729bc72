# Sources of ui/widgets: reusable views: before/after, image panes, buffer preview, light sphere (appended to drig_ui).
target_sources(drig_ui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/buffer_preview.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compare_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_pane.cpp
  ${CMAKE_CURRENT_LIST_DIR}/light_sphere.cpp
)

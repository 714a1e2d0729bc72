# Installation layout and the Debian package (CPack DEB):
#   cpack -G DEB   ->  diffusionrig-studio_<version>_amd64.deb
# The two executables, desktop entry, AppStream metainfo, MIME type of project
# files, hicolor icons (SVG + PNG painted by the Studio's own icon code), the
# man page generated from the CLI's definitions, and the docs with the licence.
include(GNUInstallDirs)

set(DRIG_APP_ID org.diffusionrig.Studio)
set(DRIG_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/diffusionrig-studio) # Debian's name, not the project's
set(DRIG_PACKAGE_BUILD "${CMAKE_BINARY_DIR}/packaging")
set(DRIG_ICON_SIZES 16 22 24 32 48 64 128 256 512)

install(TARGETS diffusionrig RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES "${CMAKE_SOURCE_DIR}/packaging/linux/${DRIG_APP_ID}.desktop"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
configure_file("${CMAKE_SOURCE_DIR}/packaging/linux/${DRIG_APP_ID}.metainfo.xml.in"
               "${DRIG_PACKAGE_BUILD}/${DRIG_APP_ID}.metainfo.xml" @ONLY)
install(FILES "${DRIG_PACKAGE_BUILD}/${DRIG_APP_ID}.metainfo.xml"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES "${CMAKE_SOURCE_DIR}/packaging/linux/${DRIG_APP_ID}.mime.xml"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages RENAME ${DRIG_APP_ID}.xml)

# Icons: the SVG, and PNGs painted at build time.
install(FILES "${CMAKE_SOURCE_DIR}/resources/icons/diffusionrig-studio.svg"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps RENAME ${DRIG_APP_ID}.svg)
install(FILES "${CMAKE_SOURCE_DIR}/resources/icons/diffusionrig-studio.svg"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/mimetypes
        RENAME application-x-diffusionrig-project.svg)
add_executable(drig_render_icons "${CMAKE_SOURCE_DIR}/packaging/tools/render_icons.cpp"
                                 "${CMAKE_SOURCE_DIR}/ui/shell/app_icon.cpp"
                                 "${CMAKE_SOURCE_DIR}/resources/resources.qrc")
set_target_properties(drig_render_icons PROPERTIES AUTORCC ON)
target_include_directories(drig_render_icons PRIVATE "${CMAKE_SOURCE_DIR}")
target_link_libraries(drig_render_icons PRIVATE Qt6::Gui)
set(DRIG_ICON_STAMP "${DRIG_PACKAGE_BUILD}/icons/stamp")
add_custom_command(
  OUTPUT "${DRIG_ICON_STAMP}"
  COMMAND drig_render_icons "${DRIG_PACKAGE_BUILD}/icons" ${DRIG_APP_ID} ${DRIG_ICON_SIZES}
  COMMAND ${CMAKE_COMMAND} -E touch "${DRIG_ICON_STAMP}"
  DEPENDS drig_render_icons
  COMMENT "Painting the application icon at the hicolor sizes")
foreach(size IN LISTS DRIG_ICON_SIZES)
  install(FILES "${DRIG_PACKAGE_BUILD}/icons/${size}x${size}/${DRIG_APP_ID}.png"
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
  install(FILES "${DRIG_PACKAGE_BUILD}/icons/${size}x${size}/${DRIG_APP_ID}.png"
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/mimetypes
          RENAME application-x-diffusionrig-project.png)
endforeach()

# diffusionrig(1) from `diffusionrig --man`.
set(DRIG_MAN_PAGE "${DRIG_PACKAGE_BUILD}/diffusionrig.1.gz")
add_custom_command(
  OUTPUT "${DRIG_MAN_PAGE}"
  COMMAND diffusionrig --man > "${DRIG_PACKAGE_BUILD}/diffusionrig.1"
  COMMAND gzip -9nf "${DRIG_PACKAGE_BUILD}/diffusionrig.1"
  DEPENDS diffusionrig
  COMMENT "Writing the diffusionrig(1) manual page from the CLI's own help")
add_custom_target(drig_package_files ALL DEPENDS "${DRIG_ICON_STAMP}" "${DRIG_MAN_PAGE}")
install(FILES "${DRIG_MAN_PAGE}" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES "${CMAKE_SOURCE_DIR}/README.md" "${CMAKE_SOURCE_DIR}/CHANGELOG.md"
              "${CMAKE_SOURCE_DIR}/docs/user-guide.md" "${CMAKE_SOURCE_DIR}/docs/architecture.md"
        DESTINATION ${DRIG_DOCDIR})
install(DIRECTORY "${CMAKE_SOURCE_DIR}/docs/images" DESTINATION ${DRIG_DOCDIR})
install(FILES "${CMAKE_SOURCE_DIR}/packaging/debian/copyright" DESTINATION ${DRIG_DOCDIR})

# The face models of the identity guard and the face detection (MIT, from the npm package
# @vladmandic/face-api that packaging/bootstrap.sh fetches): bundled with their licence when the
# build machine has them.
set(DRIG_FACE_MODELS_DIR "$ENV{HOME}/.local/share/diffusionrig/face-api"
    CACHE PATH "face-api model files to bundle in the package")
if(EXISTS "${DRIG_FACE_MODELS_DIR}/face_recognition_model-weights_manifest.json")
  foreach(model face_recognition_model ssd_mobilenetv1_model face_expression_model
                face_landmark_68_model)
    install(FILES "${DRIG_FACE_MODELS_DIR}/${model}-weights_manifest.json"
                  "${DRIG_FACE_MODELS_DIR}/${model}.bin"
            DESTINATION ${CMAKE_INSTALL_DATADIR}/diffusionrig/face-api)
  endforeach()
  install(FILES "${DRIG_FACE_MODELS_DIR}/LICENSE" DESTINATION ${CMAKE_INSTALL_DATADIR}/diffusionrig/face-api)
else()
  message(STATUS "No face-api models in ${DRIG_FACE_MODELS_DIR}: the package will not bundle them")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME diffusionrig-studio)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The DiffusionRig Studio developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Portrait relighting and expression/pose editing (DiffusionRig)")
# One string (string(CONCAT)): several arguments to set() would make a list,
# and its ';' separators would end up in the package's description.
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "DiffusionRig Studio brings the CVPR 2023 paper DiffusionRig to photographers: it learns a\n"
    "personalized prior from an album of one person and edits portraits with sliders for\n"
    "lighting, expression and head pose. Includes the diffusionrig command-line tool.\n"
    "Model weights are not included: the user supplies the DECA, FLAME and Stage 1 files.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "DiffusionRig Studio developers <maintainers@diffusionrig.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Loaded at run time, so shlibdeps cannot see them: the dlib landmark model,
# Qt's SVG icon plugin, Mesa's EGL/GL for the headless renderer.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libdlib-data, libqt6svg6, libegl-mesa0, libgl1-mesa-dri")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "xdg-utils")
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "")
set(CPACK_RESOURCE_FILE_LICENSE "${CMAKE_SOURCE_DIR}/packaging/debian/copyright")
include(CPack)

# Tests of training/photo_io.
drig_add_test(
  NAME test_training_image_io
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/image_file_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/orientation_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/load_errors_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/icc_profile_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/cmyk_jpeg_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/heif_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/real_photos_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/image_fixtures.cpp
  # The fixtures write CMYK JPEGs with libjpeg, HEIC with libheif and profiles with lcms2.
  LIBS drig_training PkgConfig::HEIF PkgConfig::LCMS2 PkgConfig::ZLIB jpeg
  LABELS unit)

# Sources of training/photo_io: reading and writing photos with their metadata (appended to drig_training).
target_sources(
  drig_training
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/image_file.cpp
          ${CMAKE_CURRENT_LIST_DIR}/format_sniff.cpp
          ${CMAKE_CURRENT_LIST_DIR}/header_facts.cpp
          ${CMAKE_CURRENT_LIST_DIR}/container_chunks.cpp
          ${CMAKE_CURRENT_LIST_DIR}/exif_orientation.cpp
          ${CMAKE_CURRENT_LIST_DIR}/icc_profile.cpp
          ${CMAKE_CURRENT_LIST_DIR}/heif_decode.cpp
          ${CMAKE_CURRENT_LIST_DIR}/photo_writer.cpp
          ${CMAKE_CURRENT_LIST_DIR}/tiff_exif.cpp)

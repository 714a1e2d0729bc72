# Sources of training/align (appended to drig_training): detection, landmarks, the album job.
target_sources(
  drig_training
  PRIVATE ${CMAKE_CURRENT_LIST_DIR}/dlib_hog.cpp
          ${CMAKE_CURRENT_LIST_DIR}/landmark_predictor.cpp
          ${CMAKE_CURRENT_LIST_DIR}/fallback_passes.cpp
          ${CMAKE_CURRENT_LIST_DIR}/ssd_pass.cpp
          ${CMAKE_CURRENT_LIST_DIR}/face_api_landmarks.cpp
          ${CMAKE_CURRENT_LIST_DIR}/face_detector.cpp
          ${CMAKE_CURRENT_LIST_DIR}/sidecar.cpp
          ${CMAKE_CURRENT_LIST_DIR}/album_job.cpp)

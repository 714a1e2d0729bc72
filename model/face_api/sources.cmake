# Sources of model/face_api: the face-api networks (SSD detector, 68-point landmarks, descriptor,
# expressions) behind face detection and the identity guard, appended to drig_model.
target_sources(drig_model PRIVATE ${CMAKE_CURRENT_LIST_DIR}/face_api_models.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/face_descriptor.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/dense_features.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/face_expression.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/face_landmarks.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/ssd_face_detector.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/tf_conv.cpp)

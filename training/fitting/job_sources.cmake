# Sources of training/fitting: the fit job and rig files (appended to drig_training).
target_sources(drig_training PRIVATE ${CMAKE_CURRENT_LIST_DIR}/rig_file.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/fit_job.cpp)

# Helpers shared by every folder: warnings, sanitizers, the LibTorch PCH, tests.

include(GoogleTest)

function(drig_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(DRIG_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(DRIG_SANITIZE)
    # Any report fails the run (UBSan would otherwise print and go on).
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# LibTorch's headers are the slowest part of the build: every target that
# includes them reuses the one PCH built for drig_model.
function(drig_use_torch_pch target)
  if(TARGET drig_model AND NOT DRIG_SANITIZE)
    target_precompile_headers(${target} REUSE_FROM drig_model)
  endif()
endfunction()

# drig_add_test(NAME name SOURCES ... LIBS ... LABELS unit|gui|gpu|slow|bench [TORCH_PCH])
function(drig_add_test)
  cmake_parse_arguments(T "TORCH_PCH" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
  # One main for all (tests/support/test_main.h); its LibTorch hook where
  # the binary links LibTorch.
  set(main_objects $<TARGET_OBJECTS:drig_gtest_main>)
  foreach(lib drig_model drig_formats drig_training drig_test_support_torch)
    if(lib IN_LIST T_LIBS)
      list(APPEND main_objects $<TARGET_OBJECTS:drig_gtest_main_torch>)
      break()
    endif()
  endforeach()
  add_executable(${T_NAME} ${T_SOURCES} ${main_objects})
  set_target_properties(${T_NAME} PROPERTIES ENABLE_EXPORTS ON) # symbol names in backtraces
  target_link_libraries(${T_NAME} PRIVATE drig_test_support ${T_LIBS} GTest::gtest GTest::gmock)
  drig_set_warnings(${T_NAME})
  if(T_TORCH_PCH)
    drig_use_torch_pch(${T_NAME})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if("unit" IN_LIST T_LABELS AND NOT T_ENV)
    # Quick binaries: one ctest entry per case (binary.Suite.Case), so
    # `ctest -R` picks a case and a failure names it; listed when ctest
    # starts, not at build time. GoogleTest's module marks skipped cases.
    gtest_discover_tests(${T_NAME} TEST_PREFIX "${T_NAME}." DISCOVERY_MODE PRE_TEST
                         DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                                    ENVIRONMENT "DRIG_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
    return()
  endif()
  # Heavy binaries stay one entry each: their cases share expensive set-up.
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  # A binary whose cases all skipped shows as skipped, not passed.
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "DRIG_SOURCE_DIR=${CMAKE_SOURCE_DIR};${T_ENV}"
                       SKIP_REGULAR_EXPRESSION "DRIG_ALL_CASES_SKIPPED")
endfunction()

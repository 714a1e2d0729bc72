# Finds every third-party dependency in one place. Debian packages first; for a
# LibTorch-only build on a machine without them (a GPU box with PyTorch), the
# header-only libraries and GoogleTest sources may sit in DRIG_DEPS_DIR
# (see tests/gpu/prepare-deps.sh).

if(CCACHE_PROGRAM)
  # PCH needs the sloppiness or ccache never hits. Paths relative to the
  # checkout and no working folder in the hash (it is there because of -g)
  # let a fresh clone in another folder, as CI makes, hit the same cache;
  # a hit's debug info then names the folder of the build that filled it.
  set(CMAKE_CXX_COMPILER_LAUNCHER
      "${CMAKE_COMMAND};-E;env;CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime;CCACHE_BASEDIR=${CMAKE_SOURCE_DIR};CCACHE_NOHASHDIR=1;${CCACHE_PROGRAM}")
endif()

find_package(Threads REQUIRED)

# --- LibTorch (Debian's CPU 1.13 or a CUDA 2.x one via Torch_DIR/CMAKE_PREFIX_PATH)
find_package(Torch REQUIRED)
# Torch's ABI flag (_GLIBCXX_USE_CXX11_ABI) must reach every target we link together.
set(CMAKE_CXX_FLAGS "${CMAKE_CXX_FLAGS} ${TORCH_CXX_FLAGS}")
set(DRIG_WITH_CUDA OFF)
if(TORCH_CUDA_LIBRARIES OR CUDA_FOUND OR TARGET torch_cuda OR TARGET c10_cuda)
  set(DRIG_WITH_CUDA ON)
endif()
message(STATUS "DiffusionRig: LibTorch ${Torch_VERSION} (CUDA: ${DRIG_WITH_CUDA})")

# --- Header-only helpers: packages, or DRIG_DEPS_DIR
find_package(fmt QUIET)
find_package(spdlog QUIET)
find_package(nlohmann_json 3 QUIET)
find_package(CLI11 QUIET)
add_library(drig_thirdparty INTERFACE)
# A pip PyTorch ships its own, newer fmt under its include folder, which would
# shadow the system's for files that include torch and mismatch libfmt at link
# time. Then every target uses the header-only fmt+spdlog in DRIG_DEPS_DIR,
# searched before torch's folders.
set(DRIG_TORCH_SHIPS_FMT OFF)
foreach(dir IN LISTS TORCH_INCLUDE_DIRS)
  if(EXISTS "${dir}/fmt/core.h" AND NOT dir STREQUAL "/usr/include")
    set(DRIG_TORCH_SHIPS_FMT ON)
  endif()
endforeach()
if(DRIG_TORCH_SHIPS_FMT)
  # Such a LibTorch (a pip wheel) also exports its own copies of the
  # std::filesystem functions, from another compiler; binding our calls to
  # them crashed every test that copies a path (seen on an H100 box, torch
  # 2.11). Naming the C++ runtime right after drig_base puts it ahead of
  # libtorch on the link line, so our references resolve to it (checked on
  # the H100 box with torch 2.11, see tests/gpu/README.md).
  set(DRIG_LINK_CXX_RUNTIME_FIRST ON)
  if(NOT EXISTS "${DRIG_DEPS_DIR}/include/spdlog")
    message(FATAL_ERROR "This LibTorch ships its own fmt: copy spdlog, fmt and nlohmann headers "
                        "into ${DRIG_DEPS_DIR}/include (tests/gpu/prepare-deps.sh)")
  endif()
  target_include_directories(drig_thirdparty BEFORE INTERFACE "${DRIG_DEPS_DIR}/include")
  target_compile_definitions(drig_thirdparty INTERFACE FMT_HEADER_ONLY SPDLOG_FMT_EXTERNAL)
  # fmt 9's headers trip GCC 13's new -Wdangling-reference false positive.
  target_compile_options(drig_thirdparty INTERFACE
                         $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-Wno-dangling-reference>)
elseif(TARGET spdlog::spdlog AND TARGET fmt::fmt)
  target_link_libraries(drig_thirdparty INTERFACE spdlog::spdlog fmt::fmt)
elseif(EXISTS "${DRIG_DEPS_DIR}/include/spdlog")
  target_include_directories(drig_thirdparty SYSTEM INTERFACE "${DRIG_DEPS_DIR}/include")
  target_compile_definitions(drig_thirdparty INTERFACE FMT_HEADER_ONLY SPDLOG_FMT_EXTERNAL)
else()
  message(FATAL_ERROR "spdlog/fmt not found: apt-get install libspdlog-dev, "
                      "or copy their headers into ${DRIG_DEPS_DIR}/include")
endif()
if(TARGET nlohmann_json::nlohmann_json AND NOT DRIG_TORCH_SHIPS_FMT)
  target_link_libraries(drig_thirdparty INTERFACE nlohmann_json::nlohmann_json)
elseif(NOT EXISTS "${DRIG_DEPS_DIR}/include/nlohmann/json.hpp")
  message(FATAL_ERROR "nlohmann-json not found: apt-get install nlohmann-json3-dev")
endif()

# --- Tests and benchmarks
if(DRIG_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT TARGET GTest::gtest AND EXISTS "${DRIG_DEPS_DIR}/googletest/CMakeLists.txt")
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    add_subdirectory("${DRIG_DEPS_DIR}/googletest" "${CMAKE_BINARY_DIR}/googletest" EXCLUDE_FROM_ALL)
    add_library(GTest::gtest ALIAS gtest)
    add_library(GTest::gmock ALIAS gmock)
    add_library(GTest::gtest_main ALIAS gtest_main)
  endif()
  if(NOT TARGET GTest::gtest)
    message(FATAL_ERROR "GoogleTest not found: apt-get install libgtest-dev libgmock-dev")
  endif()
endif()
if(DRIG_BUILD_BENCHMARKS)
  find_package(benchmark QUIET)
  if(NOT TARGET benchmark::benchmark)
    message(STATUS "Google Benchmark not found: bench targets skipped")
    set(DRIG_BUILD_BENCHMARKS OFF)
  endif()
endif()

if(DRIG_MODEL_ONLY)
  return()
endif()

# --- The full application
if(NOT TARGET CLI11::CLI11)
  message(FATAL_ERROR "CLI11 not found: apt-get install libcli11-dev")
endif()
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(OpenCV 4 REQUIRED COMPONENTS core imgproc imgcodecs objdetect)
find_package(dlib REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
# Photo import: HEIC/HEIF decoding, ICC colour management, EXIF orientation, PNG iCCP.
pkg_check_modules(HEIF REQUIRED IMPORTED_TARGET libheif)
pkg_check_modules(LCMS2 REQUIRED IMPORTED_TARGET lcms2)
pkg_check_modules(EXIF REQUIRED IMPORTED_TARGET libexif)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
# TIFF export with the source's colour profile.
pkg_check_modules(TIFF REQUIRED IMPORTED_TARGET libtiff-4)
find_package(OpenGL REQUIRED COMPONENTS OpenGL EGL)
find_package(Qt6 6.2 REQUIRED COMPONENTS Core Gui Widgets OpenGL OpenGLWidgets Charts Concurrent Test)

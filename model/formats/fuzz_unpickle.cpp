// libFuzzer entry point: clang++ builds it (see CMakeLists.txt); run
// `fuzz_unpickle -max_total_time=60 CORPUS_DIR`.
#include "model/base/error.h"
#include "model/formats/pickle.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    drig::formats::unpickle(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const drig::Error&) {
  }
  return 0;
}

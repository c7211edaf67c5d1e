// ini_fuzz.cc — libFuzzer target for common/ini: any bytes must parse or fail
// with a rendered error, never crash or hang; every entry must locate inside
// its source. Build (from the repo root):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//     tests/fuzz/ini_fuzz.cc common/ini.cc common/pyspace.cc -o /tmp/ini_fuzz
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/ini.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Two parses into one document exercise the merge path.
  const size_t half = size / 2;
  ini::Document doc;
  const Status first = doc.parse(text.substr(0, half), "a.ini");
  const Status second = doc.parse(text.substr(half), "b.ini");
  if (!first.ok() && first.error().empty()) std::abort();
  if (!second.ok() && second.error().empty()) std::abort();
  for (const ini::Section& section : doc.sections()) {
    for (const ini::Entry* entry : doc.items(section)) {
      for (size_t offset : {size_t{0}, entry->value.size() / 2, entry->value.size()}) {
        const ini::Spot spot = ini::locate(*entry, offset);
        if (spot.line < 1 || static_cast<size_t>(spot.line) > spot.source->lines.size())
          std::abort();
        (void)ini::render_error(spot, "fuzz");
      }
    }
  }
  return 0;
}

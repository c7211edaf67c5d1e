// libFuzzer target for the re-exec hand-over record's parser (supervisord/run/
// handover_record.h): any bytes give a record or an error, never a crash, hang or an
// allocation the input's size does not justify. The input is tried as a whole record and
// as a payload behind a valid header (so the fuzzer gets past the checksum); whatever
// decodes must encode back to the same bytes (the format has one spelling per record).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "supervisord/run/handover_record.h"

namespace {

void le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void round_trip(std::string_view bytes) {
  auto r = handover::decode(bytes);
  if (!r) return;
  if (handover::encode(*r) != bytes) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  round_trip(in);
  uint32_t sum = 2166136261u;
  for (unsigned char c : in) sum = (sum ^ c) * 16777619u;
  std::string framed = "SVDREXEC";
  le(framed, handover::kVersion, 4);
  le(framed, sum, 4);
  le(framed, size, 8);
  framed.append(in);
  round_trip(framed);
  return 0;
}

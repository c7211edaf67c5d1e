// libFuzzer target for supervisorctl's direct getAllProcessInfo decoder: any bytes must give
// rows or a refusal, never a crash, hang or throw; where it gives rows, the generic road
// (parse_response, then proc_info_from per element) must give the same rows, and where it
// refuses, it must leave none behind.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "supervisorctl/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  std::vector<ctl::ProcInfo> direct;
  if (!ctl::decode_process_infos(xml, direct)) {
    if (!direct.empty()) __builtin_trap();
    return 0;
  }
  auto r = xmlrpc::parse_response(xml);
  if (!r.ok()) __builtin_trap();
  const auto* v = std::get_if<xmlrpc::Value>(&*r);
  if (v == nullptr || !v->is_array() || v->as_array().size() != direct.size()) __builtin_trap();
  for (size_t i = 0; i < direct.size(); ++i)
    if (!(ctl::proc_info_from(v->as_array()[i]) == direct[i])) __builtin_trap();
  return 0;
}

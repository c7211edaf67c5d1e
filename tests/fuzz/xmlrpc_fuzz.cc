// libFuzzer target for the XML-RPC decoder: any bytes must give a value or an error,
// never a crash, hang or throw. Whatever decodes must re-encode to text an XML parser
// accepts (valid UTF-8, XML 1.0 characters only), and a re-encoded call must decode again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/utf8.h"
#include "common/xmlrpc.h"

namespace {

bool xml_text(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    const utf8::Step step = utf8::next(s, pos);
    if (!step.valid || !utf8::is_xml_char(step.code_point)) return false;
    pos += step.length;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  xmlrpc::Limits limits;
  limits.max_depth = 16;
  auto call = xmlrpc::parse_call(xml, limits);
  if (call.ok()) {
    const std::string encoded = xmlrpc::encode_call(*call);
    if (!xml_text(encoded) || !xmlrpc::parse_call(encoded, limits).ok()) __builtin_trap();
  }
  auto response = xmlrpc::parse_response(xml, limits);
  if (response.ok() && std::holds_alternative<xmlrpc::Value>(*response)) {
    // parse_response keeps raw bytes (see xmlrpc.h); the encoder must still clean them.
    if (!xml_text(xmlrpc::encode_response(std::get<xmlrpc::Value>(*response)))) __builtin_trap();
  }
  return 0;
}

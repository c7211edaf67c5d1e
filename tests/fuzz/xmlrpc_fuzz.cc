// libFuzzer target for the XML-RPC decoder: any bytes must give a value or an error,
// never a crash, hang or throw. Whatever decodes must re-encode to text an XML parser
// accepts (valid UTF-8, XML 1.0 characters only), and a re-encoded call must decode again.
// parse_response's one-pass reader and the tree decoder must agree wherever the first
// answers (it gives up on anything unusual, never guesses). A value written ahead by a
// Writer (xmlrpc::Encoded, as getAllProcessInfo answers) encodes as the value itself.
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

bool same(const xmlrpc::Response& a, const xmlrpc::Response& b) {
  if (a.index() != b.index()) return false;
  if (const auto* v = std::get_if<xmlrpc::Value>(&a)) return *v == std::get<xmlrpc::Value>(b);
  const auto& fa = std::get<xmlrpc::FaultValue>(a);
  const auto& fb = std::get<xmlrpc::FaultValue>(b);
  return fa.code == fb.code && fa.string == fb.string;
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
  auto tree = xmlrpc::parse_response_tree(xml, limits);
  if (response.ok() != tree.ok()) __builtin_trap();
  if (response.ok() && !same(*response, *tree)) __builtin_trap();
  if (response.ok() && std::holds_alternative<xmlrpc::Value>(*response)) {
    // parse_response keeps raw bytes (see xmlrpc.h); the encoder must still clean them.
    const xmlrpc::Value& value = std::get<xmlrpc::Value>(*response);
    const std::string encoded = xmlrpc::encode_response(value);
    if (!xml_text(encoded)) __builtin_trap();
    xmlrpc::Writer w(64);  // small: it grows while the value is written
    w.value(value);
    std::string bytes = w.take();
    xmlrpc::Value copied(xmlrpc::Encoded{bytes});
    if (xmlrpc::encode_response(copied) != encoded) __builtin_trap();
    bytes.reserve(bytes.size() + xmlrpc::kEnvelope + 256);  // moved into place
    if (xmlrpc::encode_response(xmlrpc::Value(xmlrpc::Encoded{std::move(bytes)}), 256) != encoded)
      __builtin_trap();
  }
  return 0;
}

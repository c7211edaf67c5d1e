// libFuzzer target for common/expand: any bytes are parsed and evaluated in a small scope.
// Beyond "no crash, no sanitizer report" it checks the promises of expand.h that hold for
// every input. Build (from the repository root):
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//     tests/fuzz/expand_fuzz.cc common/expand.cc common/expand_convert.cc common/pystr.cc \
//     -o /tmp/expand_fuzz && /tmp/expand_fuzz -max_len=256
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "common/expand.h"
#include "common/pystr.h"

namespace {

expand::Scope make_scope() {
  expand::Scope s;
  s.set("program_name", std::string("web"));
  s.set("process_num", int64_t{7});
  s.set("numprocs", int64_t{-3});
  s.set("here", std::string("/etc/sup\xc3\xa9rvisor"));
  s.set("big", int64_t{INT64_MIN});
  s.set("ENV_Q", std::string("it's \"q\"\t\x01"));
  return s;
}

void require(bool condition) {
  if (!condition) std::abort();
}

using Outcome = std::variant<std::string, expand::ExpandError>;

bool same(const Outcome& a, const Outcome& b) {
  if (a.index() != b.index()) return false;
  if (a.index() == 0) return std::get<0>(a) == std::get<0>(b);
  const auto& x = std::get<1>(a);
  const auto& y = std::get<1>(b);
  return x.kind == y.kind && x.detail == y.detail && x.offset == y.offset;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const expand::Scope scope = make_scope();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const expand::Format format = expand::Format::parse(text);
  const auto result = format.evaluate(scope);
  const auto* error = std::get_if<expand::ExpandError>(&result);

  // A syntax error means no scope can make the text render.
  if (format.syntax_error() != nullptr) require(error != nullptr);
  if (error != nullptr) {
    require(error->offset < size && text[error->offset] == '%');
    if (error->kind == expand::ExpandError::Kind::UnknownName) {
      require(format.references(error->detail));
    }
  }
  // Text without '%' renders as itself.
  if (text.find('%') == std::string_view::npos) {
    require(error == nullptr && std::get<std::string>(result) == text);
  }
  // A copy evaluates identically; the one-shot helper agrees.
  const expand::Format copy = format;
  require(same(copy.evaluate(scope), result));
  require(same(expand::expand(text, scope), result));

  (void)pystr::repr(text);
  (void)pystr::ascii(text);
  return 0;
}

// libFuzzer target for HTTP framing: the input is split at a position taken from its
// first byte and fed in two parts, so split-point handling is exercised too. Any bytes
// must end in requests or an error status, never a crash or an unbounded buffer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t split = data[0] % size;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  split = split < in.size() ? split : in.size();

  http::RequestLimits limits;
  limits.max_body = 4096;
  limits.max_header_bytes = 4096;
  http::RequestParser requests(limits);
  if (requests.feed(in.substr(0, split))) requests.feed(in.substr(split));
  while (requests.has_request()) {
    http::Request r = requests.take();
    if (r.body.size() > limits.max_body) __builtin_trap();
    (void)http::respond(&r, 200, "text/xml", r.body, 0);
    (void)http::check_auth(r, "user", "{SHA}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3");
  }
  if (requests.failed() && requests.error_status() != 400 && requests.error_status() != 413) {
    __builtin_trap();
  }

  http::ResponseLimits rlimits;
  rlimits.max_body = 4096;
  http::ResponseParser responses(rlimits);
  if (responses.feed(in.substr(0, split)) && responses.feed(in.substr(split))) {
    (void)responses.finish();
  }
  while (responses.has_response()) (void)responses.take();
  return 0;
}

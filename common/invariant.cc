#include "common/invariant.h"

#include <unistd.h>

#include <cstdlib>
#include <utility>

namespace invariant {
namespace {

Reporter& reporter() {
  static Reporter r;
  return r;
}

}  // namespace

void set_reporter(Reporter r) {
  reporter() = std::move(r);
}

void fail(const char* expression, const char* file, int line, const std::string& context) {
  std::string report = std::string("invariant failed: ") + expression + " at " + file + ":" +
                       std::to_string(line) + (context.empty() ? "" : " (" + context + ")");
  std::string out = report + "\n";
  (void)!::write(2, out.data(), out.size());
  if (reporter()) reporter()(report);
  std::abort();
}

}  // namespace invariant

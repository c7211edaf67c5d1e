// invariant.h — INVARIANT(cond, context): a condition the code relies on. When it is false
// that is a bug here, not bad input: the failure is reported (expression, file:line and
// the caller's context, e.g. the process and state names) and the program aborts, so the
// bug is seen where it happened instead of as damage later. Bad input never reaches one:
// it gets an error message. Always on (not tied to NDEBUG).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace invariant {

// Where the report goes before abort(): stderr by default; supervisord adds its log.
using Reporter = std::function<void(std::string_view report)>;
void set_reporter(Reporter reporter);

[[noreturn]] void fail(const char* expression, const char* file, int line,
                       const std::string& context);

}  // namespace invariant

#define INVARIANT(cond, context)                                          \
  do {                                                                    \
    if (!(cond)) [[unlikely]]                                             \
      ::invariant::fail(#cond, __FILE__, __LINE__, std::string(context)); \
  } while (0)

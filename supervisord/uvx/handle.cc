// handle.cc — the count of owned handles and the loop-end check.
#include "supervisord/uvx/handle.h"

#include <map>

#include "common/invariant.h"

namespace uvx {

size_t detail::live = 0;

std::string open_handles(uv_loop_t* loop) {
  std::map<std::string, int> by_type;
  uv_walk(
      loop,
      [](uv_handle_t* h, void* arg) {
        ++(*static_cast<std::map<std::string, int>*>(arg))[uv_handle_type_name(h->type)];
      },
      &by_type);
  std::string text;
  for (const auto& [type, n] : by_type) {
    if (!text.empty()) text += ", ";
    text += type;
    if (n > 1) text += " x" + std::to_string(n);
  }
  return text;
}

void check_all_closed(uv_loop_t* loop) {
  std::string open = open_handles(loop);
  INVARIANT(open.empty() && detail::live == 0,
            "libuv handles left open at loop end: " + (open.empty() ? "none on the loop" : open) +
                "; owned handles not freed: " + std::to_string(detail::live));
}

}  // namespace uvx

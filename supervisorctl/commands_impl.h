// commands_impl.h — what the command handler files share: the handlers the
// catalog (commands.cc) points at and small helpers for argument words and replies.
// Private to supervisorctl/commands*.cc. Must not depend on libedit or sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/faults.h"
#include "supervisorctl/controller.h"

namespace ctl::cmd {

constexpr int F(Fault f) {
  return static_cast<int>(f);
}

std::vector<std::string> split_words(std::string_view s);
bool contains(const std::vector<std::string>& v, std::string_view s);
void print_help(Controller& c, std::string_view name);
const xmlrpc::Array* results_or_raise(Controller& c, const Reply& r);
bool confirm(Controller& c, std::string_view question);

void do_status(Controller& c, std::string_view arg);
void do_pid(Controller& c, std::string_view arg);
void do_start(Controller& c, std::string_view arg);
void do_stop(Controller& c, std::string_view arg);
void do_signal(Controller& c, std::string_view arg);
void do_restart(Controller& c, std::string_view arg);
void do_clear(Controller& c, std::string_view arg);
void do_avail(Controller& c, std::string_view arg);
void do_reread(Controller& c, std::string_view arg);
void do_add(Controller& c, std::string_view arg);
void do_remove(Controller& c, std::string_view arg);
void do_update(Controller& c, std::string_view arg);
void do_tail(Controller& c, std::string_view arg);
void do_maintail(Controller& c, std::string_view arg);
void do_fg(Controller& c, std::string_view arg);
// Extensions (commands_ext.cc).
void do_why(Controller& c, std::string_view arg);
void do_history(Controller& c, std::string_view arg);
void do_status_verbose(Controller& c, const std::vector<std::string>& names);
// zero-downtime extensions (commands_zero_downtime.cc)
void do_scale(Controller& c, std::string_view arg);
void do_reexec(Controller& c, std::string_view arg);
void do_rolling_restart(Controller& c, std::vector<std::string> words);
void do_status_health(Controller& c, const std::vector<std::string>& names);

}  // namespace ctl::cmd

// pages.h — the HTML of the web interface, rendered from the facade's view of the process
// table: the status page (one row per process, a row per instance group), one row alone
// (what the live stream sends), the tail page and the `why` page. Every program-
// controlled text goes through web::escape. Reads only; actions are site.cc's.
// Must not depend on HTTP, sockets or libuv.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

class Supervisor;
class Instance;
class Group;

namespace web {

// What every page needs besides the process table.
struct PageContext {
  std::string token;       // the anti-forgery token the forms carry
  std::string message;     // the status line (?message=), "" for none
  int64_t now = 0;         // epoch seconds
  bool can_scale = false;  // group rows get a Scale form (the daemon gave a way to scale)
};

std::string render_status(const Supervisor& s, const PageContext& c);
// One process's <tr> (id "p-<quoted namespec>"), on one line.
std::string render_process_row(const Instance& inst, const PageContext& c);
// An instance group's <tr> (id "g-<quoted name>"), on one line; "" for a group that is
// one plain [program:x] (its process row says everything).
std::string render_group_row(const Group& g, const PageContext& c);

// tail.html: `text` is the log tail or the error line; `processname` "" when absent.
std::string render_tail(std::string_view processname, std::string_view text, int64_t limit,
                        bool follow);
// why.html: the process's state, readiness, worker tree, last exits and output.
std::string render_why(const Instance& inst, int64_t now);
// A short page saying `text` (why.html for an unknown name).
std::string render_notice(std::string_view title, std::string_view text);

}  // namespace web

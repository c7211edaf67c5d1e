// site.cc — see site.h. Supervisor's URLs and messages (its web.py): actions answer 301
// with Location: /?message=..., an unknown action 500.
#include "supervisord/web/site.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <random>

#include "common/faults.h"
#include "common/namespec.h"
#include "supervisord/logs/read_file.h"
#include "supervisord/supervisor.h"
#include "supervisord/web/assets.h"
#include "supervisord/web/html.h"
#include "supervisord/web/pages.h"
#include "supervisord/zero_downtime/rollout.h"

namespace web {
namespace {

using rpc::Responder;
using Selector = Supervisor::Selector;

constexpr size_t kMaxQuery = 4096;  // a longer query string is refused (400)

std::string random_token() {
  unsigned char bytes[16] = {};
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 && ::read(fd, bytes, sizeof bytes) == static_cast<ssize_t>(sizeof bytes);
  if (fd >= 0) ::close(fd);
  if (!ok) {
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// time.ctime(): "Wed Dec  2 09:49:23 2026".
std::string ctime_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::string s = ctime_r(&t, buf) ? buf : "";
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// The "host[:port]" of an absolute URL; "" when it has none.
std::string_view authority(std::string_view url) {
  size_t p = url.find("://");
  if (p == std::string_view::npos) return {};
  url.remove_prefix(p + 3);
  return url.substr(0, url.find_first_of("/?#"));
}

// A request another site made the browser send: its Origin or Referer names another host
// than the one it was sent to. Scripts (curl, Supervisor's links) send neither.
bool cross_site(const http::Request& req) {
  std::string_view host = req.header("Host");
  for (std::string_view name : {"Origin", "Referer"}) {
    std::string_view v = req.header(name);
    if (v.empty()) continue;
    if (!http::iequals(authority(v), host)) return true;
  }
  return false;
}

// Supervisor's words for a failed start (web.py's make_callback).
std::string start_error(const CommandStatus& st) {
  switch (st.fault) {
    case Fault::NoFile:
      return "no such file";
    case Fault::NotExecutable:
      return "file not executable";
    case Fault::AlreadyStarted:
      return "already started";
    case Fault::SpawnError:
      return "spawn error";
    case Fault::AbnormalTermination:
      return "abnormal termination";
    default:
      return "unexpected rpc fault [" + std::to_string(static_cast<int>(st.fault)) + "] " +
             fault_string(st.fault, st.detail);
  }
}

// "Group g started", or how many of its processes did not and the first reason.
std::string group_message(const std::string& group, const std::string& verb,
                          const Supervisor::Outcome& o) {
  if (!o.status.ok())
    return "ERROR: Group " + group + ": " + fault_string(o.status.fault, o.status.detail);
  size_t failed = 0;
  std::string first;
  for (const auto& e : o.each)
    if (!e.status.ok() && e.status.fault != Fault::NotRunning &&
        e.status.fault != Fault::AlreadyStarted) {
      if (failed++ == 0) first = fault_string(e.status.fault, e.status.detail);
    }
  if (failed == 0) return "Group " + group + " " + verb;
  return "ERROR: Group " + group + ": " + std::to_string(failed) + " of " +
         std::to_string(o.each.size()) + " not " + verb + " (" + first + ")";
}

// `base`: "http://<Host>" (Supervisor's Location is absolute), or "" without a Host.
void redirect(const std::shared_ptr<Responder>& r, const std::string& base,
              const std::string& message) {
  std::string location = base + "/?message=" + quote(message, false);
  r->respond(301, {{"Location", location}},
             "<!DOCTYPE html><title>Moved</title><a href=\"" + escape(location) + "\">" +
                 escape(message) + "</a>\n");
}

// The action of index.html; false for an unknown one (the caller answers 500).
bool act(Supervisor& s, const Site::Scale& scale, const std::string& action, const Form& form,
         const std::shared_ptr<Responder>& r, const std::string& base) {
  auto done = [r, base](const std::string& m) { redirect(r, base, m); };
  if (action == "groupscale" && scale) {
    std::string g = form_value(form, "group").value_or("");
    if (!s.find_group(g)) return done("No such group named " + g), true;
    scale(g, form_value(form, "count").value_or(""), done);
    return true;
  }
  if (action == "refresh") return done("Page refreshed at " + ctime_now()), true;
  if (action == "stopall") {
    s.stop(Selector::all(), true,
           [done](Supervisor::Outcome) { done("All stopped at " + ctime_now()); });
    return true;
  }
  if (action == "restartall") {
    s.restart(Selector::all(),
              [done](Supervisor::Outcome) { done("All restarted at " + ctime_now()); });
    return true;
  }
  // Extension: an instance group's actions (group=NAME).
  if (action == "groupstart" || action == "groupstop" || action == "grouprestart" ||
      action == "rollout") {
    std::string g = form_value(form, "group").value_or("");
    Group* group = s.find_group(g);
    if (!group) return done("No such group named " + g), true;
    if (action == "groupstart")
      s.start(Selector::group(g), true,
              [done, g](Supervisor::Outcome o) { done(group_message(g, "started", o)); });
    else if (action == "groupstop")
      s.stop(Selector::group(g), true,
             [done, g](Supervisor::Outcome o) { done(group_message(g, "stopped", o)); });
    else if (action == "grouprestart")
      s.restart(Selector::group(g),
                [done, g](Supervisor::Outcome o) { done(group_message(g, "restarted", o)); });
    else {
      std::vector<std::string> names;
      for (const auto& inst : group->instances()) names.push_back(inst->name());
      rolling_restart(s, g, names, 1, 0, [done, g](RolloutResult res) {
        std::string last = res.lines.empty() ? "" : res.lines.back();
        done(res.ok ? "Group " + g + " restarted one at a time"
                    : "ERROR: Group " + g + ": rolling restart stopped: " + last);
      });
    }
    return true;
  }
  std::string ns = form_value(form, "processname").value_or("");
  if (ns.empty()) return false;
  if (!s.find(ns)) return done("No such process named " + ns), true;
  if (action == "start") {
    s.start(Selector::namespec(ns), true, [done, ns](Supervisor::Outcome o) {
      done(o.status.ok() ? "Process " + ns + " started"
                         : "ERROR: Process " + ns + ": " + start_error(o.status));
    });
  } else if (action == "stop") {
    s.stop(Selector::namespec(ns), true, [done, ns](Supervisor::Outcome o) {
      done(o.status.ok()
               ? "Process " + ns + " stopped"
               : "unexpected rpc fault [" + std::to_string(static_cast<int>(o.status.fault)) +
                     "] " + fault_string(o.status.fault, o.status.detail));
    });
  } else if (action == "restart") {
    s.restart(Selector::namespec(ns), [done, ns](Supervisor::Outcome o) {
      done(o.status.ok() ? "Process " + ns + " restarted"
                         : "ERROR: Process " + ns + ": " + start_error(o.status));
    });
  } else if (action == "clearlog") {
    auto inst = s.find(ns);
    Status st = inst->clear_logs();
    done(st ? "Log for " + ns + " cleared"
            : "unexpected rpc fault [30] " + fault_string(Fault::Failed, ns));
  } else {
    return false;
  }
  return true;
}

// tail.html: the last `limit` bytes (at least 1024) of the stdout log.
void serve_tail_page(Supervisor& s, const Form& form, const std::shared_ptr<Responder>& r) {
  auto name = form_value(form, "processname");
  std::string limit_text = form_value(form, "limit").value_or("1024");
  int64_t limit = 1024;
  if (!limit_text.empty() && limit_text.size() < 10 &&
      std::all_of(limit_text.begin(), limit_text.end(),
                  [](char c) { return c >= '0' && c <= '9'; }))
    limit = std::max<int64_t>(1024, std::stoll(limit_text));
  std::string text;
  bool follow = false;
  if (!name || name->empty()) {
    text = "No process name found";
  } else if (auto inst = s.find(*name); !inst) {
    text = "ERROR: unexpected rpc fault [10] " + fault_string(Fault::BadName, *name);
  } else {
    logs::ReadResult rr = logs::read_file(inst->log_path(false), -limit, 0);
    if (rr.fault == static_cast<int>(Fault::NoFile))
      text = "No file for " + *name;
    else if (!rr.ok())
      text = "ERROR: unexpected rpc fault [" + std::to_string(rr.fault) + "] " +
             fault_string(static_cast<Fault>(rr.fault), rr.message);
    else
      text = std::move(rr.data), follow = true;
  }
  r->respond(200, {{"Content-Type", "text/html;charset=utf-8"}, {"Cache-Control", "no-cache"}},
             render_tail(name.value_or(""), text, limit, follow));
}

// One server-sent event: each line of `data` gets its own "data:" field.
std::string sse(std::string_view event, std::string_view data) {
  std::string out = "event: ";
  out += event;
  out += '\n';
  size_t start = 0;
  do {
    size_t nl = data.find('\n', start);
    out += "data: ";
    out += data.substr(start, nl == std::string_view::npos ? nl : nl - start);
    out += '\n';
    start = nl == std::string_view::npos ? nl : nl + 1;
  } while (start != std::string_view::npos && start < data.size());
  out += '\n';
  return out;
}

}  // namespace

Site::Site(Supervisor& s) : s_(s), token_(random_token()) {}

Site::~Site() {
  for (uint64_t id : subscriptions_) s_.bus().unsubscribe(id);
}

bool Site::serve(const http::Request& req, const std::shared_ptr<Responder>& r) {
  std::string_view path = req.path_only();
  enum class Page { Status, Tail, Why, Ok, Css, Js, Events };
  static constexpr std::pair<std::string_view, Page> kPaths[] = {
      {"/", Page::Status},
      {"/index.html", Page::Status},
      {"/tail.html", Page::Tail},
      {"/why.html", Page::Why},
      {"/ok.html", Page::Ok},
      {"/stylesheets/supervisor.css", Page::Css},
      {"/scripts/live.js", Page::Js},
      {"/events", Page::Events}};
  auto found = std::find_if(std::begin(kPaths), std::end(kPaths),
                            [path](const auto& p) { return p.first == path; });
  if (found == std::end(kPaths)) return false;
  const Page page = found->second;

  const bool post = req.method == "POST";
  if (req.method != "GET" && req.method != "HEAD" && !post) return r->respond_error(405), true;
  if (post && page != Page::Status) return r->respond_error(405), true;
  std::string_view query;
  if (size_t q = req.path.find('?'); q != std::string::npos)
    query = std::string_view(req.path).substr(q + 1);
  if (query.size() > kMaxQuery) return r->respond_error(400), true;
  auto form = parse_form(query);
  if (!form) return r->respond_error(400), true;
  if (post) {
    // Form fields come before the query's, so they win (Supervisor's order).
    auto fields = parse_form(r->take_body());
    if (!fields) return r->respond_error(400), true;
    fields->insert(fields->end(), form->begin(), form->end());
    *form = std::move(*fields);
  }
  const rpc::Headers html = {{"Content-Type", "text/html;charset=utf-8"},
                             {"Cache-Control", "no-cache"}};
  switch (page) {
    case Page::Css:
      return r->respond(200, {{"Content-Type", "text/css"}, {"Cache-Control", "max-age=300"}},
                        std::string(kStylesheet)),
             true;
    case Page::Js:
      return r->respond(200,
                        {{"Content-Type", "text/javascript"}, {"Cache-Control", "max-age=300"}},
                        std::string(kScript)),
             true;
    case Page::Ok:
      return r->respond(200, html, "OK"), true;
    case Page::Events:
      if (req.method != "GET") return r->respond_error(405), true;
      serve_events(r);
      return true;
    case Page::Tail:
      serve_tail_page(s_, *form, r);
      return true;
    case Page::Why: {
      std::string name = form_value(*form, "processname").value_or("");
      auto inst = s_.find(name);
      if (!inst)
        return r->respond(404, html,
                          render_notice("No such process", "No such process named " + name)),
               true;
      return r->respond(200, html, render_why(*inst, std::time(nullptr))), true;
    }
    case Page::Status:
      break;
  }
  auto action = form_value(*form, "action");
  // Anti-forgery: a browser sent here by another site brings that site's Origin or
  // Referer; our own forms also carry the token, which another site cannot read.
  if ((action || post) && cross_site(req)) return r->respond_error(403), true;
  if (post && !http::constant_time_equal(form_value(*form, "token").value_or(""), token_))
    return r->respond_error(403), true;
  if (action && !action->empty()) {
    std::string_view host = req.header("Host");
    std::string base = host.empty() ? "" : "http://" + std::string(host);
    if (!act(s_, scale_, *action, *form, r, base)) r->respond_error(500);
    return true;
  }
  PageContext c{token_, form_value(*form, "message").value_or(""), std::time(nullptr),
                bool(scale_)};
  r->respond(200, html, render_status(s_, c));
  return true;
}

void Site::serve_events(const std::shared_ptr<Responder>& r) {
  r->start_stream(200, {{"Content-Type", "text/event-stream"},
                        {"Cache-Control", "no-cache"},
                        {"X-Accel-Buffering", "no"}});
  r->write("retry: 3000\n\n");
  streams_.push_back(r);
  if (subscriptions_.empty()) {
    Bus& bus = s_.bus();
    // One rendering per change, written to every open page.
    subscriptions_.push_back(
        bus.subscribe<happened::StateChange>([this](const happened::StateChange& e) {
          PageContext c{token_, "", std::time(nullptr), bool(scale_)};
          std::string out = sse("row", render_process_row(e.instance, c));
          if (const Group* g = s_.find_group(e.instance.group()))
            if (std::string row = render_group_row(*g, c); !row.empty()) out += sse("row", row);
          broadcast(out);
        }));
    // A group added or removed changes the table's shape: the page fetches it again.
    subscriptions_.push_back(bus.subscribe<happened::GroupChange>(
        [this](const happened::GroupChange&) { broadcast(sse("reload", "")); }));
  }
  std::weak_ptr<Site> weak = weak_from_this();
  r->on_close([weak]() {
    if (auto site = weak.lock()) site->drop_closed();
  });
}

void Site::broadcast(const std::string& event) {
  // A copy: a write that finds its client gone may run on_close (drop_closed) at once.
  const auto streams = streams_;
  for (const auto& w : streams)
    if (auto r = w.lock()) r->write(event);
}

void Site::drop_closed() {
  std::erase_if(streams_, [](const std::weak_ptr<Responder>& w) {
    auto r = w.lock();
    return !r || !r->alive();
  });
  if (!streams_.empty()) return;
  for (uint64_t id : subscriptions_) s_.bus().unsubscribe(id);
  subscriptions_.clear();
}

}  // namespace web

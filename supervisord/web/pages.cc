// pages.cc — see pages.h. Plain string building: a 1000-process page is one pass over
// the instances with one reserved buffer (bench/ measures it).
#include "supervisord/web/pages.h"

#include <time.h>

#include <string>

#include "common/namespec.h"
#include "common/states.h"
#include "common/version.h"
#include "supervisord/process/describe.h"
#include "supervisord/process/proctree.h"
#include "supervisord/supervisor.h"
#include "supervisord/web/html.h"

namespace web {
namespace {

// Supervisor's three badge colours: running, error (FATAL, BACKOFF), the rest.
const char* badge_class(ProcessState st) {
  if (st == ProcessState::Running) return "st run";
  if (st == ProcessState::Fatal || st == ProcessState::Backoff) return "st err";
  return "st nom";
}

// The page around `body`: head, header bar, footer.
std::string page(std::string_view title, std::string_view body, std::string_view extra_head = {}) {
  std::string out;
  out.reserve(body.size() + 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<link rel=\"icon\" href=\"data:,\">"
      "<title>";
  out += escape(title);
  out +=
      "</title><link rel=\"stylesheet\" href=\"/stylesheets/supervisor.css\">"
      "<script src=\"/scripts/live.js\" defer></script>";
  out += extra_head;
  out +=
      "</head><body><header><a class=\"brand\" href=\"/\"><span class=\"logo\"></span>"
      "supervisor</a><span id=\"live\" class=\"live\" hidden>live</span></header><main>";
  out += body;
  out += "</main><footer>supervisor-cpp &middot; compatible with Supervisor ";
  out += kSupervisorVersion;
  out += "</footer></body></html>\n";
  return out;
}

// A POST button of the action form for `hidden` (processname= or group=).
void button(std::string& out, std::string_view action, std::string_view label,
            std::string_view cls = {}) {
  out += "<button name=\"action\" value=\"";
  out += action;
  out += '"';
  if (!cls.empty()) {
    out += " class=\"";
    out += cls;
    out += '"';
  }
  out += '>';
  out += label;
  out += "</button>";
}

void form_open(std::string& out, std::string_view field, std::string_view value,
               const PageContext& c) {
  out += "<form class=\"act\" method=\"post\" action=\"index.html\"><input type=\"hidden\" name=\"";
  out += field;
  out += "\" value=\"";
  out += escape(value);
  out += "\"><input type=\"hidden\" name=\"token\" value=\"";
  out += c.token;
  out += "\">";
}

bool is_instance_group(const Group& g) {
  const auto& in = g.instances();
  return in.size() != 1 || in.front()->name() != g.name();
}

}  // namespace

std::string render_process_row(const Instance& inst, const PageContext& c) {
  const Process& p = inst.process();
  const ProcessState st = p.state();
  const std::string ns = namespec::make(inst.group(), inst.name());
  const std::string q = quote(ns);
  std::string out;
  out.reserve(1024);
  out += "<tr id=\"p-";
  out += q;
  out += "\" class=\"proc\"><td><span class=\"";
  out += badge_class(st);
  out += "\">";
  out += state_name(st);
  out += "</span></td><td class=\"desc\"><span";
  if (st == ProcessState::Running && p.start_time() > 0) {
    // The page advances the uptime itself between events (no requests).
    out += " data-pid=\"";
    out += std::to_string(p.pid());
    out += "\" data-up=\"";
    out += std::to_string(c.now - p.start_time());
    out += '"';
  }
  out += '>';
  // The description without its STATUS= text, which gets its own badge.
  out += escape(process_description(st, p.pid(), p.start_time(), p.stop_time(), c.now, p.spawnerr(),
                                    p.name()));
  out += "</span>";
  if (!p.status_text().empty() && (st == ProcessState::Starting || st == ProcessState::Running)) {
    out += " <span class=\"note\">";
    out += escape(p.status_text());
    out += "</span>";
  }
  out += "</td><td class=\"name\"><a href=\"tail.html?processname=";
  out += q;
  out += "\">";
  out += escape(ns);
  out += "</a></td><td class=\"acts\">";
  form_open(out, "processname", ns, c);
  if (st == ProcessState::Running) {
    button(out, "restart", "Restart");
    button(out, "stop", "Stop", "warn");
  } else if (st == ProcessState::Stopped || st == ProcessState::Exited ||
             st == ProcessState::Fatal) {
    button(out, "start", "Start", "go");
  }
  button(out, "clearlog", "Clear Log");
  out += "</form><a href=\"logtail/";
  out += q;
  out += "\" target=\"_blank\">Tail -f Stdout</a><a href=\"logtail/";
  out += q;
  out += "/stderr\" target=\"_blank\">Tail -f Stderr</a><a href=\"why.html?processname=";
  out += q;
  out += "\">Why</a></td></tr>";
  return out;
}

std::string render_group_row(const Group& g, const PageContext& c) {
  if (!is_instance_group(g)) return {};
  size_t ready = 0, total = g.instances().size();
  for (const auto& inst : g.instances())
    if (inst->state() == ProcessState::Running) ++ready;
  std::string out;
  out += "<tr id=\"g-";
  out += quote(g.name());
  out += "\" class=\"grp\"><td><span class=\"";
  out += ready == total ? "st run" : ready == 0 ? "st err" : "st nom";
  out += "\">";
  out += std::to_string(ready) + "/" + std::to_string(total) + " ready";
  out += "</span></td><td class=\"desc\">instance group of ";
  out += std::to_string(total);
  out += total == 1 ? " process" : " processes";
  out += "</td><td class=\"name\">";
  out += escape(g.name());
  out += ":*</td><td class=\"acts\">";
  form_open(out, "group", g.name(), c);
  button(out, "groupstart", "Start all", "go");
  button(out, "grouprestart", "Restart all");
  button(out, "rollout", "Rolling restart");
  button(out, "groupstop", "Stop all", "warn");
  if (c.can_scale) {
    out += "<input class=\"count\" type=\"number\" name=\"count\" min=\"1\" max=\"1000\" value=\"";
    out += std::to_string(total);
    out += "\" aria-label=\"instances\">";
    button(out, "groupscale", "Scale");
  }
  out += "</form></td></tr>";
  return out;
}

std::string render_status(const Supervisor& s, const PageContext& c) {
  std::string body;
  auto instances = s.instances_by_name();
  body.reserve(1024 + instances.size() * 900);
  body += "<div id=\"msg\" class=\"msg\"";
  if (c.message.empty()) body += " hidden";
  body += '>';
  body += escape(c.message);
  body +=
      "</div><div class=\"bar\"><a class=\"btn\" href=\"index.html?action=refresh\">Refresh</a>";
  body += "<form class=\"act\" method=\"post\" action=\"index.html\">";
  body += "<input type=\"hidden\" name=\"token\" value=\"";
  body += c.token;
  body += "\">";
  button(body, "restartall", "Restart All");
  button(body, "stopall", "Stop All", "warn");
  body +=
      "</form></div><table><thead><tr><th>State</th><th>Description</th><th>Name</th>"
      "<th>Action</th></tr></thead><tbody id=\"procs\">";
  const std::string* last_group = nullptr;
  for (const Instance* inst : instances) {
    if (!last_group || *last_group != inst->group()) {
      last_group = &inst->group();
      if (const Group* g = s.find_group(inst->group())) body += render_group_row(*g, c);
    }
    body += render_process_row(*inst, c);
  }
  body += "</tbody></table>";
  if (instances.empty()) body += "<p class=\"empty\">No programs are configured.</p>";
  return page("Supervisor Status", body);
}

std::string render_tail(std::string_view processname, std::string_view text, int64_t limit,
                        bool follow) {
  std::string body;
  body.reserve(text.size() + 1024);
  body += "<div class=\"bar\"><a class=\"btn\" href=\"/\">&larr; Status</a>";
  std::string q = quote(processname);
  if (!processname.empty())
    body += "<a class=\"btn\" href=\"tail.html?processname=" + q +
            "&amp;limit=" + std::to_string(limit) +
            "\">Refresh</a><a class=\"btn\" href=\"logtail/" + q +
            "\" target=\"_blank\">Raw tail -f</a>";
  body += "<span id=\"follow\" class=\"note\" hidden>following</span></div><h1>" +
          escape(processname) + "</h1><pre id=\"tail\"";
  if (follow) body += " data-follow=\"logtail/" + q + "\"";
  body += ">" + escape(text) + "</pre>";
  return page("Supervisor tail of process " + std::string(processname), body);
}

std::string render_why(const Instance& inst, int64_t now) {
  const Process& p = inst.process();
  const std::string ns = namespec::make(inst.group(), inst.name());
  std::string b;
  b += "<div class=\"bar\"><a class=\"btn\" href=\"/\">&larr; Status</a><a class=\"btn\" "
       "href=\"tail.html?processname=";
  b += quote(ns);
  b += "\">Tail</a></div><h1>";
  b += escape(ns);
  b += " <span class=\"";
  b += badge_class(p.state());
  b += "\">";
  b += state_name(p.state());
  b += "</span></h1><dl><dt>Description</dt><dd>";
  b += escape(p.description(now));
  b += "</dd><dt>Readiness</dt><dd>";
  const std::string& ready = inst.config().ready;
  b += ready.empty() ? "after startsecs" : escape(ready);
  if (!p.status_text().empty()) b += " &middot; STATUS=" + escape(p.status_text());
  b += "</dd>";
  if (p.pid() > 0) {
    proctree::Snapshot snap = proctree::Snapshot::take();
    auto workers = inst.workers(snap);
    proctree::TreeMemory mem = proctree::tree_memory(snap, p.pid(), workers, p.cgroup_dir());
    b += "<dt>Worker tree</dt><dd>master " + std::to_string(p.pid());
    if (!workers.empty()) {
      b += ", workers";
      for (pid_t w : workers) b += " " + std::to_string(w);
    }
    b += " &middot; RSS " + std::to_string(mem.rss_kb) + " kB";
    if (mem.pss_kb >= 0) b += ", PSS " + std::to_string(mem.pss_kb) + " kB";
    if (mem.cgroup_kb >= 0) b += ", cgroup memory " + std::to_string(mem.cgroup_kb) + " kB";
    b += "</dd>";
  }
  b += "<dt>Restarts</dt><dd>" + std::to_string(inst.restarts()) + "</dd>";
  if (!p.spawnerr().empty()) b += "<dt>Spawn error</dt><dd>" + escape(p.spawnerr()) + "</dd>";
  b += "</dl><h2>Recent runs</h2>";
  if (inst.exits().empty())
    b += "<p class=\"empty\">No run has ended yet.</p>";
  else {
    b += "<table><thead><tr><th>Ended</th><th>Lived</th><th>How</th></tr></thead><tbody>";
    for (auto it = inst.exits().rbegin(); it != inst.exits().rend(); ++it) {
      time_t t = static_cast<time_t>(it->exit.ended_ms / 1000);
      struct tm tm;
      localtime_r(&t, &tm);
      char when[32];
      strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
      b += "<tr><td>";
      b += when;
      b += "</td><td>" + escape(diagnosis::format_duration(it->exit.lived_ms()));
      b += "</td><td>" + escape(diagnosis::status_text(*it)) + "</td></tr>";
    }
    b += "</tbody></table>";
  }
  b += "<h2>Last output</h2><pre>";
  for (const auto& line : inst.tail().lines()) b += escape(line) + "\n";
  b += "</pre>";
  return page("Why " + ns, b);
}

std::string render_notice(std::string_view title, std::string_view text) {
  std::string b = "<div class=\"bar\"><a class=\"btn\" href=\"/\">&larr; Status</a></div><h1>";
  b += escape(title);
  b += "</h1><p>";
  b += escape(text);
  b += "</p>";
  return page(title, b);
}

}  // namespace web

// commands_ext.cc — supervisorctl commands that Python's supervisorctl does not have
// (extensions, documented in supervisorctl.1): `why` (crash diagnostics), `history`
// (the state store's transitions) and `status -v` (worker-aware status). They are not
// listed by bare `help`, whose output stays Python's byte for byte.
#include <cstdio>
#include <ctime>

#include "common/namespec.h"
#include "common/states.h"
#include "supervisorctl/commands_impl.h"
#include "supervisorctl/render.h"

namespace ctl::cmd {
namespace {

std::string str_of(const xmlrpc::Value& v, std::string_view key) {
  const xmlrpc::Value* x = v.get(key);
  return x && x->is_string() ? x->as_string() : "";
}

int64_t int_of(const xmlrpc::Value& v, std::string_view key) {
  const xmlrpc::Value* x = v.get(key);
  return x && x->is_int() ? x->as_int() : 0;
}

std::string local_time(int64_t epoch_s, const char* fmt = "%Y-%m-%d %H:%M:%S") {
  time_t t = static_cast<time_t>(epoch_s);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

std::string mib(int64_t kb) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(kb) / 1024.0);
  return buf;
}

// The extension method's reply, or a printed error (and exit 1) when the daemon has none.
const xmlrpc::Value* ext_call(Controller& c, Rpc& sv, const std::string& method,
                              xmlrpc::Array params, Reply& keep, const std::string& subject) {
  keep = sv.call(method, std::move(params));
  if (const xmlrpc::FaultValue* f = as_fault(keep)) {
    c.set_exit_status(kExitGeneric);
    if (f->code == F(Fault::UnknownMethod)) {
      c.output("ERROR: the server does not support " + method +
               " (an extension of this supervisord)");
    } else if (f->code == F(Fault::BadName)) {
      c.output(subject + ": ERROR (no such process)");
    } else {
      c.output(subject + ": ERROR (" + f->string + ")");
    }
    return nullptr;
  }
  const xmlrpc::Value* v = as_value(keep);
  if (v == nullptr) c.raise(keep);
  return v;
}

}  // namespace

// `why` without a name: the daemon's state file and crash recovery.
static void why_daemon(Controller& c, Rpc& sv) {
  Reply keep;
  const xmlrpc::Value* v =
      ext_call(c, sv, "supervisor.getDaemonDiagnosis", {}, keep, "supervisord");
  if (v == nullptr || !v->is_struct()) return;
  c.output("supervisord  state file " + str_of(*v, "statefile") + ": " +
           str_of(*v, "statefile_status"));
  c.output("  previous run: " + str_of(*v, "previous_run"));
  c.output("  " + str_of(*v, "crash_recovery"));
}

void do_why(Controller& c, std::string_view arg) {
  auto names = split_words(arg);
  if (!c.upcheck()) return;
  auto sv = c.server();
  if (names.empty()) return why_daemon(c, *sv);
  for (const std::string& name : names) {
    Reply keep;
    const xmlrpc::Value* v = ext_call(c, *sv, "supervisor.getProcessDiagnosis", {name}, keep, name);
    if (v == nullptr || !v->is_struct()) continue;
    std::string ns = namespec::make(str_of(*v, "group"), str_of(*v, "name"));
    std::string desc = str_of(*v, "description");
    c.output(ns + "  " + str_of(*v, "statename") + (desc.empty() ? "" : "  " + desc));
    if (std::string err = str_of(*v, "spawnerr"); !err.empty()) c.output("  spawn error: " + err);
    const xmlrpc::Value* exits = v->get("exits");
    if (exits && exits->is_array() && !exits->as_array().empty()) {
      c.output("  last exits:");
      for (const xmlrpc::Value& e : exits->as_array()) {
        char lived[32];
        std::snprintf(lived, sizeof lived, "%.1f s",
                      static_cast<double>(int_of(e, "lived_ms")) / 1000.0);
        c.output("    " + local_time(int_of(e, "time")) + "  " + str_of(e, "status") + " after " +
                 lived);
      }
    } else {
      c.output("  no exits recorded");
    }
    const xmlrpc::Value* out = v->get("output");
    if (out && out->is_array() && !out->as_array().empty()) {
      c.output("  last output (stderr):");
      for (const xmlrpc::Value& line : out->as_array())
        if (line.is_string()) c.output("    | " + line.as_string());
    } else {
      c.output("  no output on stderr");
    }
  }
}

void do_history(Controller& c, std::string_view arg) {
  auto words = split_words(arg);
  int limit = 20;
  std::vector<std::string> names;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "-n" && i + 1 < words.size()) {
      try {
        limit = std::stoi(words[++i]);
      } catch (...) {
        limit = -1;
      }
      if (limit < 0) {
        c.output("Error: bad argument -n " + words[i]);
        c.set_exit_status(kExitGeneric);
        return;
      }
    } else {
      names.push_back(words[i]);
    }
  }
  if (names.empty()) names.push_back("");
  if (!c.upcheck()) return;
  auto sv = c.server();
  for (const std::string& name : names) {
    Reply keep;
    const xmlrpc::Value* v = ext_call(c, *sv, "supervisor.getProcessHistory", {name, limit}, keep,
                                      name.empty() ? "history" : name);
    if (v == nullptr || !v->is_array()) continue;
    for (const xmlrpc::Value& e : v->as_array()) {
      const xmlrpc::Value* t = e.get("time");
      double secs = t && t->is_double() ? t->as_double() : static_cast<double>(int_of(e, "time"));
      int64_t whole = static_cast<int64_t>(secs);
      char ms[8];
      std::snprintf(ms, sizeof ms, ".%03d",
                    static_cast<int>((secs - static_cast<double>(whole)) * 1000));
      std::string line = local_time(whole) + ms + " " +
                         namespec::make(str_of(e, "group"), str_of(e, "name")) + " " +
                         str_of(e, "from") + " -> " + str_of(e, "to");
      if (int64_t pid = int_of(e, "pid"); pid > 0) line += " pid " + std::to_string(pid);
      std::string to = str_of(e, "to");
      bool exit_state = to == "EXITED" || to == "BACKOFF" || to == "STOPPED" || to == "FATAL";
      if (std::string sig = str_of(e, "signame"); !sig.empty())
        line += " signal " + sig;
      else if (exit_state && e.get("exitstatus") && int_of(e, "exitstatus") >= 0 &&
               int_of(e, "pid") > 0)
        line += " exit " + std::to_string(int_of(e, "exitstatus"));
      if (int64_t tries = int_of(e, "tries"); tries > 0) line += " tries " + std::to_string(tries);
      if (std::string err = str_of(e, "spawnerr"); !err.empty()) line += " (" + err + ")";
      if (int64_t oom = int_of(e, "oom_kills"); oom > 0)  // cgroups: the run's OOM kills
        line += " (OOM killer: " + std::to_string(oom) + " killed)";
      c.output(line);
    }
  }
}

// `status -v [names]`: the plain status lines, each followed by what the instance is
// made of (supervisor.getAllProcessTreeInfo).
void do_status_verbose(Controller& c, const std::vector<std::string>& names) {
  if (!c.upcheck()) {
    c.set_exit_status(kStatusUnknown);
    return;
  }
  auto sv = c.server();
  Reply keep;
  const xmlrpc::Value* v = ext_call(c, *sv, "supervisor.getAllProcessTreeInfo", {}, keep, "status");
  if (v == nullptr || !v->is_array()) return;
  std::vector<std::pair<ProcInfo, const xmlrpc::Value*>> rows;
  for (const xmlrpc::Value& e : v->as_array()) {
    ProcInfo info = proc_info_from(e);
    bool wanted = names.empty() || contains(names, "all");
    for (const std::string& n : names) {
      namespec::NameSpec sn = namespec::parse(n);
      if (info.group == sn.group && (!sn.process || info.name == *sn.process)) wanted = true;
    }
    if (wanted) rows.push_back({info, &e});
  }
  std::vector<ProcInfo> infos;
  for (auto& r : rows) infos.push_back(r.first);
  auto lines = status_lines(infos);
  for (size_t i = 0; i < rows.size(); ++i) {
    c.output(lines[i]);
    const xmlrpc::Value& e = *rows[i].second;
    if (int_of(e, "pid") > 0) {
      std::string workers;
      if (const xmlrpc::Value* w = e.get("workers"); w && w->is_array())
        for (const xmlrpc::Value& p : w->as_array())
          if (p.is_int()) workers += (workers.empty() ? "" : " ") + std::to_string(p.as_int());
      int64_t pss = int_of(e, "pss_kb");
      c.output("    master " + std::to_string(int_of(e, "pid")) + ", workers " +
               std::to_string(int_of(e, "worker_count")) +
               (workers.empty() ? "" : " (" + workers + ")") + ", rss " + mib(int_of(e, "rss_kb")) +
               (pss >= 0 ? ", pss " + mib(pss) : "") + ", restarts " +
               std::to_string(int_of(e, "restarts")));
    }
    auto st = process_state_from_code(rows[i].first.state);
    if (st && is_stopped_state(*st)) c.set_exit_status(kStatusNotRunning);
  }
}

}  // namespace ctl::cmd

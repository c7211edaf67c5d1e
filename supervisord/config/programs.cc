// programs.cc — process groups from [group:x], [program:x], [eventlistener:x] and
// [fcgi-program:x] sections, in Supervisor's order (heterogeneous groups first, then the
// homogeneous ones), with the numprocs fan-out and the per-process %(name)s expansion.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "supervisord/config/depends.h"
#include "supervisord/config/endpoint.h"
#include "supervisord/config/loader.h"
#include "supervisord/config/loader_context.h"
#include "supervisord/config/schema.h"

namespace config {
namespace {

using schema::Row;
using Kind = values::LogfileName::Kind;

struct Built {
  std::string name;
  int priority = 999;
  ProgramKind kind = ProgramKind::Program;
  std::vector<ProcessConfig> processes;
  Origin origin;
  std::shared_ptr<const ProgramTemplate> program_template;  // made of one [program:x]
};

std::string upper(std::string v) {
  for (auto& c : v) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return v;
}

Origin origin_of(const ini::Section& sec) {
  return Origin{sec.source ? sec.source->path : std::string(), sec.line};
}

// The cgroup limits' values (extension): numbers within the row's bounds, cpu_max in one
// of its forms. "" when fine.
std::string check_limit(const Row& row, const schema::Value& value) {
  if (row.key == "cpu_max") {
    auto cpu = schema::cpu_max(std::get<std::string>(value));
    return cpu ? "" : cpu.error();
  }
  if (row.key != "memory_max" && row.key != "memory_high" && row.key != "pids_max") return "";
  const auto* n = std::get_if<int64_t>(&value);
  if (n && *n < row.min)
    return std::to_string(*n) + " is below lower bound (" + std::to_string(row.min) + ")";
  return "";
}

bool by_priority_then_name(const ProcessConfig& a, const ProcessConfig& b) {
  return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
}

Result<std::string> section_name(const ini::Section& sec) {
  auto name = values::process_or_group_name(sec.name.substr(sec.name.find(':') + 1));
  if (!name) return Error{LoadContext::at_section(sec, "", name.error())};
  return *name;
}

// One section's processes: options of group A once, then group B per process_num, appended
// to `out`: numprocs of them, or `count` (config::rescale; %(numprocs)d and
// ProcessConfig::numprocs stay the section's numprocs). Fills in t.program and t.numprocs.
Status read_processes(ProgramTemplate& t, std::optional<int64_t> count,
                      std::vector<ProcessConfig>& out, std::vector<std::string>& warnings) {
  const ini::Section& sec = *t.section;
  const SectionSource& src = *t.source;
  const unsigned kind = t.kind;
  const std::string& group_name = t.group;
  const size_t first = out.size();  // `out` may hold a [group:x]'s earlier programs
  auto program = section_name(sec);
  if (!program) return Status::fail(program.error());
  const expand::Scope a = src.program_scope(*program, group_name);
  ProcessConfig proto;
  proto.kind = kind == schema::kEventListener ? ProgramKind::EventListener
               : kind == schema::kFcgiProgram ? ProgramKind::FcgiProgram
                                              : ProgramKind::Program;
  proto.program = *program;
  proto.group = group_name;
  proto.origin = origin_of(sec);
  schema::Target target;
  target.process = &proto;
  int64_t numprocs = 1;
  int64_t start = 0;
  bool killasgroup_set = false;
  for (const Row& row : schema::rows()) {
    if (!(row.sections & kind) || row.names != schema::Names::ProgramOnce) continue;
    auto text = src.option_text(sec, row.key, row.default_text);
    if (!text) continue;
    auto value = LoadContext::expand(sec, row.key, *text, a, sec.name + "." + std::string(row.key));
    if (!value) return Status::fail(value.error());
    auto converted = schema::convert(row.type, *value);
    if (!converted)
      return Status::fail(LoadContext::at_text(sec, row.key, *text, 0, converted.error()));
    if (row.key == "numprocs") numprocs = std::get<int64_t>(*converted);
    if (row.key == "numprocs_start") start = std::get<int64_t>(*converted);
    if (row.key == "killasgroup") killasgroup_set = true;
    if (auto bad = check_limit(row, *converted); !bad.empty())
      return Status::fail(LoadContext::at_text(sec, row.key, *text, 0, bad));
    if (row.land) row.land(target, *converted, *value);
  }
  if (!killasgroup_set) proto.killasgroup = proto.stopasgroup;
  if (!proto.cpu_max.empty()) proto.cpu_max = *schema::cpu_max(proto.cpu_max);
  proto.numprocs = static_cast<int>(numprocs);
  t.program = *program;
  t.numprocs = numprocs;
  const int64_t made = count.value_or(numprocs);

  // process_name is checked as written (a template), then expanded per process.
  auto name_text = *src.option_text(sec, "process_name", "%(program_name)s");
  auto template_name = values::process_or_group_name(name_text.text);
  if (!template_name) {
    return Status::fail(
        LoadContext::at_text(sec, "process_name", name_text, 0, template_name.error()));
  }
  if (made > 1 && template_name->find("%(process_num)") == std::string::npos) {
    return Status::fail(LoadContext::at_text(
        sec, "process_name", name_text, 0,
        "%(process_num) must be present within process_name when numprocs > 1"));
  }
  if (proto.stopasgroup && !proto.killasgroup) {
    return Status::fail(LoadContext::at_text(sec, "killasgroup",
                                             *src.option_text(sec, "killasgroup", ""), 0,
                                             "Cannot set stopasgroup=true and killasgroup=false"));
  }
  auto env_text = *src.option_text(sec, "environment", "");
  OptionText name_template = name_text;
  name_template.text = *template_name;
  const std::string& section = sec.name;
  // Python's range(): a huge numprocs would only exhaust memory; refuse before that.
  if (made > 100000) {
    return Status::fail(
        LoadContext::at_text(sec, "numprocs", *src.option_text(sec, "numprocs", "1"), 0,
                             "numprocs " + std::to_string(made) + " is above the limit of 100000"));
  }
  for (int64_t n = start; n < start + made; ++n) {
    expand::Scope b = a;
    b.set("process_num", n);
    b.set("numprocs", numprocs);
    auto env = LoadContext::expand(sec, "environment", env_text, b, "environment");
    if (!env) return Status::fail(env.error());
    auto pairs = values::environment(*env);
    if (!pairs)
      return Status::fail(LoadContext::at_text(sec, "environment", env_text, 0, pairs.error()));
    ProcessConfig p = proto;
    p.process_num = static_cast<int>(n);
    p.environment = *pairs;
    for (const auto& [k, v] : *pairs) b.set("ENV_" + k, v);
    schema::Target t;
    t.process = &p;
    for (const Row& row : schema::rows()) {
      if (!(row.sections & kind)) continue;
      if (row.names != schema::Names::PerProcess && row.names != schema::Names::PerProcessTwice)
        continue;
      // A grouped [fcgi-program:x] runs as a program; its socket= is fcgi's, not ours.
      if (row.key == "socket" && schema::section_kind(sec.name) != schema::kProgram) continue;
      auto text = src.option_text(sec, row.key, row.default_text);
      if (!text) {
        if (row.required) {
          return Status::fail(LoadContext::at_section(
              sec, row.key,
              "program section " + section + " does not specify a " + std::string(row.key)));
        }
        continue;
      }
      auto value =
          LoadContext::expand(sec, row.key, *text, b, section + "." + std::string(row.key));
      if (!value) return Status::fail(value.error());
      std::string final_text = *value;
      if (row.names == schema::Names::PerProcessTwice) {
        auto again = LoadContext::expand_again(sec, row.key, *text, *value, b, row.key);
        if (!again) return Status::fail(again.error());
        final_text = *again;
      }
      auto converted = schema::convert(row.type, final_text);
      if (!converted)
        return Status::fail(LoadContext::at_text(sec, row.key, *text, 0, converted.error()));
      row.land(t, *converted, final_text);
      // Extension texts are checked here, where the error can point at the line.
      if (row.key == "ready" || row.key == "socket") {
        auto ep = row.key == "ready" ? parse_ready(final_text) : parse_listen(final_text);
        if (!ep) return Status::fail(LoadContext::at_text(sec, row.key, *text, 0, ep.error()));
      }
      if (row.key == "follow_upgrade" && !final_text.empty() && final_text != "gunicorn")
        return Status::fail(LoadContext::at_text(
            sec, row.key, *text, 0, "expected gunicorn (or empty), got '" + final_text + "'"));
    }
    for (auto* log : {&p.stdout_log, &p.stderr_log}) {
      std::string channel = log == &p.stdout_log ? "stdout" : "stderr";
      if (log->file.kind == Kind::Syslog) {
        warnings.push_back("For [" + section + "], " + channel +
                           "_logfile=syslog but this is deprecated and "
                           "will be removed.  Use " +
                           channel + "_syslog=true to enable syslog instead.");
        log->file = values::LogfileName{Kind::None, ""};
        log->syslog = true;
      }
      if (log->file.kind == Kind::Auto && log->maxbytes == 0) {
        warnings.push_back("For [" + section + "], AUTO logging used for " + channel +
                           "_logfile without rollover, set maxbytes > 0 to avoid "
                           "filling up filesystem unintentionally");
      }
    }
    if (p.redirect_stderr) {
      if (p.stderr_log.file.kind != Kind::Auto && p.stderr_log.file.kind != Kind::None) {
        warnings.push_back("For [" + section +
                           "], redirect_stderr=true but "
                           "stderr_logfile has also been set to a filename, the "
                           "filename has been ignored");
      }
      p.stderr_log.file = values::LogfileName{Kind::None, ""};  // never a stderr log
    }
    auto name = LoadContext::expand(sec, "process_name", name_template, b, "process_name");
    if (!name) return Status::fail(name.error());
    p.name = *name;
    out.push_back(std::move(p));
  }
  // This program's instances only, as Supervisor's processes_from_section.
  std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                   by_priority_then_name);
  return Status::success();
}

// The model's group. A group keys its processes by name: a repeated name keeps the last
// definition.
std::shared_ptr<GroupConfig> make_group(const Built& group, std::vector<std::string>& warnings) {
  auto out = std::make_shared<GroupConfig>();
  out->name = group.name;
  out->priority = group.priority;
  out->kind = group.kind;
  out->origin = group.origin;
  out->program_template = group.program_template;
  std::vector<const ProcessConfig*> kept;
  // Where each name sits in `kept`: a scan of `kept` per process was quadratic (0.3 s for
  // a numprocs=10000 program, at every start and reread).
  std::unordered_map<std::string_view, size_t> at;
  at.reserve(group.processes.size());
  for (const auto& p : group.processes) {
    auto [same, fresh] = at.try_emplace(p.name, kept.size());
    if (fresh) {
      kept.push_back(&p);
    } else {
      warnings.push_back("group " + group.name + " has more than one process named " + p.name +
                         "; only the last definition is used");
      kept[same->second] = &p;
    }
  }
  for (const auto* p : kept) out->processes.push_back(std::make_shared<const ProcessConfig>(*p));
  return out;
}

class Programs {
 public:
  explicit Programs(LoadContext& ctx)
      : ctx_(ctx),
        source_(std::make_shared<const SectionSource>(SectionSource{
            ctx.shared_doc, ctx.cwd, ctx.has_include, ctx.here, ctx.host, ctx.cpus, ctx.env})) {}

  Status run() {
    if (auto s = heterogeneous(); !s) return s;
    for (const auto& sec : ctx_.doc.sections()) {
      unsigned kind = schema::section_kind(sec.name);
      if (kind == schema::kProgram && !grouped_.count(sec.name)) {
        if (auto s = program(sec); !s) return s;
      }
    }
    for (const auto& sec : ctx_.doc.sections()) {
      if (schema::section_kind(sec.name) == schema::kEventListener) {
        if (auto s = listener(sec); !s) return s;
      }
    }
    for (const auto& sec : ctx_.doc.sections()) {
      unsigned kind = schema::section_kind(sec.name);
      if (kind == schema::kFcgiProgram && !grouped_.count(sec.name)) {
        if (auto s = fcgi(sec); !s) return s;
      }
    }
    finish();
    return check_dependencies();
  }

 private:
  // depends_on (extension): an unknown name, a process depending on itself or a cycle is
  // refused here, pointing at the depends_on line of the section concerned.
  Status check_dependencies() {
    auto problem = depends::check(ctx_.config.groups);
    if (!problem) return Status::success();
    const ProcessConfig& p = *problem->process;
    const ini::Section* sec = nullptr;
    for (const char* prefix : {"program:", "eventlistener:", "fcgi-program:"}) {
      sec = ctx_.doc.find(prefix + p.program);
      if (sec && schema::section_kind(sec->name) != 0) break;
    }
    if (!sec) return Status::fail(problem->message);
    auto text = ctx_.option_text(*sec, "depends_on", "");
    size_t at = problem->item.empty() ? std::string::npos : text->text.find(problem->item);
    return Status::fail(ctx_.at_text(*sec, "depends_on", *text,
                                     at == std::string::npos ? 0 : text->source_offset(at),
                                     problem->message));
  }

  expand::Scope here_env() const {
    expand::Scope scope = ctx_.env;
    scope.set("here", ctx_.here);
    return scope;
  }

  // A group-level option read as Supervisor's process_groups_from_parser does: here+ENV_*.
  Result<std::optional<std::string>> group_text(const ini::Section& sec, std::string_view key,
                                                const char* fallback,
                                                const expand::Scope* scope = nullptr) {
    auto text = ctx_.option_text(sec, key, fallback);
    if (!text) return std::optional<std::string>();
    auto value = ctx_.expand(sec, key, *text, scope ? *scope : here_env(),
                             sec.name + "." + std::string(key));
    if (!value) return Error{value.error()};
    return std::optional<std::string>(*value);
  }

  Result<int64_t> group_int(const ini::Section& sec, std::string_view key, const char* fallback) {
    auto text = group_text(sec, key, fallback);
    if (!text) return Error{text.error()};
    auto n = values::integer(**text);
    if (!n)
      return Error{ctx_.at_text(sec, key, *ctx_.option_text(sec, key, fallback), 0, n.error())};
    return *n;
  }

  std::string names_of(std::string_view prefix_a, std::string_view prefix_b) const {
    std::string out;
    for (const auto& sec : ctx_.doc.sections()) {
      for (auto prefix : {prefix_a, prefix_b}) {
        if (sec.name.compare(0, prefix.size(), prefix) == 0) {
          out += (out.empty() ? "" : ", ") + sec.name.substr(prefix.size());
        }
      }
    }
    return out.empty() ? "(none)" : out;
  }

  Status heterogeneous() {
    for (const auto& sec : ctx_.doc.sections()) {
      if (schema::section_kind(sec.name) != schema::kGroup) continue;
      auto name = section_name(sec);
      if (!name) return Status::fail(name.error());
      auto programs = group_text(sec, "programs", nullptr);
      if (!programs) return Status::fail(programs.error());
      auto priority = group_int(sec, "priority", "999");
      if (!priority) return Status::fail(priority.error());
      Built group{*name, static_cast<int>(*priority), ProgramKind::Program, {}, origin_of(sec), {}};
      auto list = schema::list_of_strings(programs->value_or(""));
      for (const auto& member : list) {
        const ini::Section* prog = ctx_.doc.find("program:" + member);
        const ini::Section* fcgi = ctx_.doc.find("fcgi-program:" + member);
        if (!prog && !fcgi) {
          auto text = *ctx_.option_text(sec, "programs", nullptr);
          size_t at = text.text.find(member);
          return Status::fail(ctx_.at_text(
              sec, "programs", text, text.source_offset(at == std::string::npos ? 0 : at),
              "[" + sec.name + "] names unknown program or fcgi-program " + member +
                  " (available: " + names_of("program:", "fcgi-program:") + ")"));
        }
        if (prog && fcgi) {
          auto text = *ctx_.option_text(sec, "programs", nullptr);
          size_t at = text.text.find(member);
          return Status::fail(ctx_.at_text(
              sec, "programs", text, text.source_offset(at == std::string::npos ? 0 : at),
              "[" + sec.name + "] name " + member +
                  " is ambiguous (exists as program and fcgi-program)"));
        }
        const ini::Section& member_sec = prog ? *prog : *fcgi;
        grouped_.insert(member_sec.name);
        if (fcgi) {
          // Supervisor 4.2.5 makes grouped fcgi-programs plain programs: no socket is
          // created. We do the same (drop-in) and say so.
          ctx_.config.warnings.push_back(
              ctx_.at_section(member_sec, "",
                              "listed in [" + sec.name +
                                  "]: runs as a plain program, its "
                                  "socket is not created (as Supervisor 4.2.5)"));
        }
        // A group of one section can be rescaled (runtime scaling extension).
        auto* kept = list.size() == 1 ? &group.program_template : nullptr;
        if (auto s = processes(member_sec, schema::kProgram, *name, group.processes, kept); !s)
          return s;
      }
      // Priority only: equal priorities keep the programs= order, as Supervisor's group
      // (its processes dict follows that list; start and stop sort it by priority alone).
      std::stable_sort(
          group.processes.begin(), group.processes.end(),
          [](const ProcessConfig& a, const ProcessConfig& b) { return a.priority < b.priority; });
      built_.push_back(std::move(group));
    }
    return Status::success();
  }

  Status program(const ini::Section& sec) {
    auto name = section_name(sec);
    if (!name) return Status::fail(name.error());
    auto priority = group_int(sec, "priority", "999");
    if (!priority) return Status::fail(priority.error());
    Built group{*name, static_cast<int>(*priority), ProgramKind::Program, {}, origin_of(sec), {}};
    if (auto s = processes(sec, schema::kProgram, *name, group.processes, &group.program_template);
        !s)
      return s;
    built_.push_back(std::move(group));
    return Status::success();
  }

  Status listener(const ini::Section& sec) {
    std::string pool = sec.name.substr(sec.name.find(':') + 1);
    // Listeners get a "high" default group priority: started first, stopped last.
    auto priority = group_int(sec, "priority", "-1");
    if (!priority) return Status::fail(priority.error());
    auto buffer_size = group_int(sec, "buffer_size", "10");
    if (!buffer_size) return Status::fail(buffer_size.error());
    if (*buffer_size < 1) {
      return Status::fail(ctx_.at_text(sec, "buffer_size",
                                       *ctx_.option_text(sec, "buffer_size", "10"), 0,
                                       "[" + sec.name + "] section sets invalid buffer_size (" +
                                           std::to_string(*buffer_size) + ")"));
    }
    auto handler = group_text(sec, "result_handler", kDefaultResultHandler);
    if (!handler) return Status::fail(handler.error());
    if (**handler != kDefaultResultHandler && **handler != kStdoutResultHandler) {
      return Status::fail(ctx_.at_text(
          sec, "result_handler", *ctx_.option_text(sec, "result_handler", nullptr), 0,
          **handler + " cannot be resolved within [" + sec.name +
              "] (Python handlers cannot be loaded; built in: " + kDefaultResultHandler + ", " +
              kStdoutResultHandler + ")"));
    }
    auto events_text = group_text(sec, "events", "");
    if (!events_text) return Status::fail(events_text.error());
    std::set<std::string> events;
    for (const auto& e : schema::list_of_strings(**events_text)) events.insert(upper(e));
    if (events.empty()) {
      return Status::fail(
          ctx_.at_section(sec, "events", "[" + sec.name + "] section requires an \"events\" line"));
    }
    for (const auto& e : events) {
      auto known = schema::event_type_names();
      if (std::find(known.begin(), known.end(), e) != known.end()) continue;
      auto text = *ctx_.option_text(sec, "events", "");
      size_t at = upper(text.text).find(e);
      std::string names;
      for (auto n : known) names += (names.empty() ? "" : ", ") + std::string(n);
      return Status::fail(ctx_.at_text(
          sec, "events", text, text.source_offset(at == std::string::npos || e.empty() ? 0 : at),
          "Unknown event type " + e + " in [" + sec.name + "] events (known: " + names + ")"));
    }
    auto redirect = group_text(sec, "redirect_stderr", "false");
    if (!redirect) return Status::fail(redirect.error());
    auto redirect_bool = values::boolean(**redirect);
    if (!redirect_bool) {
      return Status::fail(ctx_.at_text(sec, "redirect_stderr",
                                       *ctx_.option_text(sec, "redirect_stderr", "false"), 0,
                                       redirect_bool.error()));
    }
    if (*redirect_bool) {
      return Status::fail(ctx_.at_text(
          sec, "redirect_stderr", *ctx_.option_text(sec, "redirect_stderr", "false"), 0,
          "[" + sec.name +
              "] section sets redirect_stderr=true but this is not allowed because "
              "it will interfere with the eventlistener protocol"));
    }
    Built group{pool, static_cast<int>(*priority), ProgramKind::EventListener, {}, origin_of(sec),
                {}};
    if (auto s = processes(sec, schema::kEventListener, pool, group.processes); !s) return s;
    for (auto& p : group.processes) {
      p.events.assign(events.begin(), events.end());
      p.buffer_size = static_cast<int>(*buffer_size);
      p.result_handler = **handler;
    }
    built_.push_back(std::move(group));
    return Status::success();
  }

  Status fcgi(const ini::Section& sec) {
    auto name = section_name(sec);
    if (!name) return Status::fail(name.error());
    auto priority = group_int(sec, "priority", "999");
    if (!priority) return Status::fail(priority.error());
    auto fail_at = [&](std::string_view key, const std::string& message) {
      return Status::fail(ctx_.at_text(sec, key, *ctx_.option_text(sec, key, ""), 0, message));
    };
    auto user_text = group_text(sec, "user", nullptr);
    if (!user_text) return Status::fail(user_text.error());
    std::optional<values::UserId> user;
    if (*user_text) {
      auto u = values::user(**user_text);
      if (!u) return fail_at("user", u.error());
      user = *u;
    }
    int backlog = 0;
    auto backlog_text = group_text(sec, "socket_backlog", nullptr);
    if (!backlog_text) return Status::fail(backlog_text.error());
    if (*backlog_text) {
      auto n = values::integer(**backlog_text);
      if (!n) return fail_at("socket_backlog", n.error());
      if (*n < 1 || *n > 65535) {
        return fail_at("socket_backlog", "Invalid socket_backlog value " + std::to_string(*n));
      }
      backlog = static_cast<int>(*n);
    }
    std::optional<values::UserGroup> owner;
    auto owner_text = group_text(sec, "socket_owner", nullptr);
    if (!owner_text) return Status::fail(owner_text.error());
    if (*owner_text) {
      auto o = values::user_group(**owner_text);
      if (!o) return fail_at("socket_owner", "Invalid socket_owner value " + **owner_text);
      owner = *o;
    }
    std::optional<mode_t> mode;
    auto mode_text = group_text(sec, "socket_mode", nullptr);
    if (!mode_text) return Status::fail(mode_text.error());
    if (*mode_text) {
      auto m = values::octal(**mode_text);
      if (!m) return fail_at("socket_mode", "Invalid socket_mode value " + **mode_text);
      mode = *m;
    }
    expand::Scope socket_scope = here_env();
    socket_scope.set("program_name", *name);
    auto socket_text = group_text(sec, "socket", nullptr, &socket_scope);
    if (!socket_text) return Status::fail(socket_text.error());
    if (!*socket_text || (*socket_text)->empty()) {
      return Status::fail(
          ctx_.at_section(sec, "socket", "[" + sec.name + "] section requires a \"socket\" line"));
    }
    const std::string& sock = **socket_text;
    std::string socket;
    auto bad = [&](const std::string& why) {
      return fail_at("socket", why + " in [" + sec.name + "] socket");
    };
    if (sock.rfind("unix://", 0) == 0) {
      std::string path = sock.substr(7);
      if (path.empty() || path[0] != '/')
        return bad("Unix socket path " + path + " is not an absolute path");
      socket = "unix://" + values::normalize_path(path);
      if (!owner && user && user->uid != ::getuid())
        owner = values::UserGroup{user->uid, user->gid};
      if (!mode) mode = 0700;
    } else {
      if (owner || mode) {
        return bad(
            "socket_owner and socket_mode params should only be used with a Unix domain socket");
      }
      // tcp://host:port — host without spaces or ':', port digits.
      bool ok = sock.rfind("tcp://", 0) == 0;
      std::string rest = ok ? sock.substr(6) : "";
      auto colon = rest.find(':');
      ok = ok && colon != std::string::npos && colon > 0 && colon + 1 < rest.size();
      for (size_t i = 0; ok && i < rest.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(rest[i]);
        if (i < colon) ok = !std::isspace(c) && c != ':';
        if (i > colon) ok = std::isdigit(c) != 0;
      }
      if (!ok) return bad("Bad socket format " + sock);
      socket = sock;
    }
    Built group{*name, static_cast<int>(*priority), ProgramKind::FcgiProgram, {}, origin_of(sec),
                {}};
    if (auto s = processes(sec, schema::kFcgiProgram, *name, group.processes); !s) return s;
    for (auto& p : group.processes) {
      p.socket = socket;
      p.socket_backlog = backlog;
      p.socket_owner = owner;
      p.socket_mode = mode.value_or(0700);
    }
    built_.push_back(std::move(group));
    return Status::success();
  }

  // One section's processes; `kept`: where to keep what rescale() needs to read the
  // section again (for a group made of this section only).
  Status processes(const ini::Section& sec, unsigned kind, const std::string& group_name,
                   std::vector<ProcessConfig>& out,
                   std::shared_ptr<const ProgramTemplate>* kept = nullptr) {
    ProgramTemplate t{source_, &sec, kind, group_name, {}, 1};
    if (auto s = read_processes(t, std::nullopt, out, ctx_.config.warnings); !s) return s;
    if (kept) *kept = std::make_shared<const ProgramTemplate>(std::move(t));
    return Status::success();
  }

  void finish() {
    std::stable_sort(built_.begin(), built_.end(), [](const Built& a, const Built& b) {
      return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
    });
    std::set<std::string> seen;
    for (auto& group : built_) {
      if (!seen.insert(group.name).second) {
        // supervisord adds groups in this order and refuses a name it already has.
        ctx_.config.warnings.push_back("group " + group.name +
                                       " is defined more than once; "
                                       "only the first (by priority, name) is used");
        continue;
      }
      auto out = make_group(group, ctx_.config.warnings);
      ctx_.config.groups.push_back(std::move(out));
    }
  }

  LoadContext& ctx_;
  std::shared_ptr<const SectionSource> source_;
  std::vector<Built> built_;
  std::set<std::string> grouped_;
};

}  // namespace

Status load_groups(LoadContext& ctx) {
  Programs programs(ctx);
  return programs.run();
}

std::optional<ScaleBase> scale_base(const GroupConfig& group) {
  if (!group.program_template) return std::nullopt;
  const ProgramTemplate& t = *group.program_template;
  return ScaleBase{t.program, static_cast<int>(t.numprocs)};
}

Result<std::shared_ptr<const GroupConfig>> rescale(const GroupConfig& group, int count) {
  using R = Result<std::shared_ptr<const GroupConfig>>;
  if (!group.program_template)
    return R::fail("group " + group.name + " is not made of one [program:x] section");
  if (count < 1) return R::fail("count " + std::to_string(count) + " is below 1");
  ProgramTemplate t = *group.program_template;  // read_processes fills in what it has
  Built built{group.name, group.priority, group.kind, {}, group.origin, group.program_template};
  std::vector<std::string> warnings;  // the load reported them already
  if (auto s = read_processes(t, count, built.processes, warnings); !s) return R::fail(s.error());
  auto out = make_group(built, warnings);
  // A process the group had already keeps its ProcessConfig when nothing about it changed.
  std::map<std::string, const std::shared_ptr<const ProcessConfig>*> before;
  for (const auto& was : group.processes) before.emplace(was->name, &was);
  for (auto& p : out->processes) {
    auto it = before.find(p->name);
    if (it != before.end() && **it->second == *p) p = *it->second;
  }
  return std::shared_ptr<const GroupConfig>(std::move(out));
}

}  // namespace config

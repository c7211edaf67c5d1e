// diff.cc — group and process level comparison of two configs.
#include "supervisord/config/diff.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace config {
namespace {

// Supervisor skips a field when either side is Automatic: at run time the active config's
// AUTO has become a real temp path, and the freshly read one is still AUTO.
void neutralise_auto(LogConfig& a, LogConfig& b) {
  if (a.file.kind == values::LogfileName::Kind::Auto ||
      b.file.kind == values::LogfileName::Kind::Auto) {
    a.file = b.file;
  }
}

// A group's processes by name (the first of a name, as a scan would find): a scan per
// process made diffing a group of 10,000 quadratic (0.4 s per reread).
class ByName {
 public:
  explicit ByName(const GroupConfig& group) {
    index_.reserve(group.processes.size());
    for (const auto& p : group.processes) index_.emplace(p->name, p.get());
  }
  const ProcessConfig* find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<std::string_view, const ProcessConfig*> index_;
};

}  // namespace

bool same_instance(const Config& old_config, const ProcessConfig& a, const Config& next_config,
                   const ProcessConfig& b) {
  ProcessConfig y = b;
  y.numprocs = a.numprocs;  // what numprocs changes for an instance shows in its other fields
  return same_process(old_config, a, next_config, y);
}

bool same_process(const Config& old_config, const ProcessConfig& a, const Config& next_config,
                  const ProcessConfig& b) {
  ProcessConfig x = a;
  ProcessConfig y = b;
  neutralise_auto(x.stdout_log, y.stdout_log);
  neutralise_auto(x.stderr_log, y.stderr_log);
  x.environment = effective_environment(old_config.supervisord, a);
  y.environment = effective_environment(next_config.supervisord, b);
  return x == y;
}

Diff diff(const Config& old, const Config& next) {
  Diff out;
  for (const auto& group : next.groups) {
    const GroupConfig* before = old.find_group(group->name);
    if (!before) {
      out.added.push_back(group->name);
      continue;
    }
    ProcessDiff pd;
    pd.group = group->name;
    pd.group_settings_changed = before->priority != group->priority || before->kind != group->kind;
    // Supervisor compares the process lists in order: a reordering is a change too.
    bool same_list = before->processes.size() == group->processes.size();
    for (size_t i = 0; same_list && i < group->processes.size(); ++i) {
      same_list = same_process(old, *before->processes[i], next, *group->processes[i]);
    }
    if (same_list && !pd.group_settings_changed) continue;
    const ByName old_names(*before), new_names(*group);
    for (const auto& p : group->processes) {
      const ProcessConfig* was = old_names.find(p->name);
      if (!was) {
        pd.added.push_back(p->name);
      } else if (!same_instance(old, *was, next, *p)) {
        pd.changed.push_back(p->name);
      }
    }
    for (const auto& p : before->processes) {
      if (!new_names.find(p->name)) pd.removed.push_back(p->name);
    }
    out.changed.push_back(group->name);
    out.processes.push_back(std::move(pd));
  }
  for (const auto& group : old.groups) {
    if (!next.find_group(group->name)) out.removed.push_back(group->name);
  }
  return out;
}

}  // namespace config

// diff.h — what changed between two loaded configs, for reloadConfig (reread) and update.
// Group level with Supervisor's semantics (added / changed / removed by group name; a group
// is changed if its priority or any field of any process differs, AUTO logs comparing equal
// to anything, [supervisord] environment counted as part of every process); plus a finer
// per-process diff of each changed group for the "update only what changed" extension.
// Pure: depends on model.h only.
#pragma once

#include <string>
#include <vector>

#include "supervisord/config/model.h"

namespace config {

struct ProcessDiff {
  std::string group;
  bool group_settings_changed = false;  // priority or kind: the group itself must be rebuilt
  std::vector<std::string> added;       // process names only in the new config
  std::vector<std::string> changed;     // in both, configured differently (same_instance)
  std::vector<std::string> removed;     // only in the old config
};

struct Diff {
  std::vector<std::string> added;      // in `next` order (by priority, name)
  std::vector<std::string> changed;    // in `next` order
  std::vector<std::string> removed;    // in `old` order
  std::vector<ProcessDiff> processes;  // one per changed group, same order as `changed`
  bool empty() const { return added.empty() && changed.empty() && removed.empty(); }
};

Diff diff(const Config& old, const Config& next);

// Supervisor's equality of one process config: every field, but a log file that is AUTO
// on either side compares equal, and the environment is the effective one.
bool same_process(const Config& old_config, const ProcessConfig& a, const Config& next_config,
                  const ProcessConfig& b);

// The finer test of the per-process diff: same_process, except that the `numprocs` field
// alone does not make an instance changed (numprocs 4 -> 6 adds two, touches none).
bool same_instance(const Config& old_config, const ProcessConfig& a, const Config& next_config,
                   const ProcessConfig& b);

}  // namespace config

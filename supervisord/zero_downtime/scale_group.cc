#include "supervisord/zero_downtime/scale_group.h"

#include "supervisord/config/diff.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/supervisor.h"
#include "supervisord/zero_downtime/scaling.h"

namespace scaling {

void scale_group(Supervisor& s, store::Store& store, const std::string& name,
                 const std::string& count_text, std::function<void(Scaled)> done) {
  auto refuse = [&done](Fault fault, std::string detail) {
    Scaled r;
    r.status = {fault, std::move(detail)};
    done(std::move(r));
  };
  Group* g = s.find_group(name);
  if (!g) return refuse(Fault::BadName, name);
  auto base = config::scale_base(g->config());
  if (!base) return refuse(Fault::Failed, "scale needs a group made of one [program:x] section");
  const int current = static_cast<int>(g->instances().size());
  auto target = parse_count(count_text, current);
  if (!target) return refuse(Fault::BadArguments, target.error());
  if (*target < 1 || *target > 1000)
    return refuse(Fault::BadArguments, "count must be between 1 and 1000");
  // The group again with the new count, from the text it was loaded from: other changes
  // pending in the file wait for update.
  auto rescaled = config::rescale(g->config(), *target);
  if (!rescaled) return refuse(Fault::BadArguments, rescaled.error());
  std::shared_ptr<const config::GroupConfig> ngc = *rescaled;
  const int file_numprocs = base->numprocs;
  remember(store, base->program, *target, file_numprocs);
  auto merged = std::make_shared<config::Config>(s.config());
  bool replaced = false;
  for (auto& gc : merged->groups)
    if (gc->name == name) gc = ngc, replaced = true;
  if (!replaced) merged->groups.push_back(ngc);
  config::Diff df = s.reread(merged);
  Scaled result;
  result.count = static_cast<int>(ngc->processes.size());
  result.lines.push_back(name + ": scaled " + std::to_string(current) + " -> " +
                         std::to_string(result.count) +
                         (result.count == file_numprocs ? " (numprocs of the config file)" : ""));
  s.log().info("scaling " + name + " from " + std::to_string(current) + " to " +
               std::to_string(result.count));
  for (size_t i = 0; i < df.changed.size(); ++i) {
    if (df.changed[i] != name) continue;
    const config::ProcessDiff& pd = df.processes[i];
    for (auto& n : pd.added) result.lines.push_back(name + ":" + n + ": added");
    for (auto& n : pd.removed) result.lines.push_back(name + ":" + n + ": removed");
    for (auto& n : pd.changed)
      result.lines.push_back(name + ":" + n + ": updated (its config file section changed)");
  }
  // Scaling up starts the new processes whatever their autostart says.
  Supervisor::ApplyOptions options;
  options.only = {name};
  options.start_added = true;
  s.apply(df, std::move(options),
          [done, result = std::move(result)](auto) mutable { done(std::move(result)); });
}

}  // namespace scaling

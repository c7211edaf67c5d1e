// group.h — a process group at run time: its config and its instances in priority order
// (then the config's order). Instances are shared so a waiting call can hold one that has
// left its group. Only the facade (Supervisor) changes a group.
// Must not depend on: the Supervisor object, RPC, the store.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "supervisord/config/model.h"
#include "supervisord/process/instance.h"

class Group {
 public:
  explicit Group(std::shared_ptr<const config::GroupConfig> config) : config_(std::move(config)) {}

  const std::string& name() const { return config_->name; }
  const config::GroupConfig& config() const { return *config_; }
  const std::shared_ptr<const config::GroupConfig>& config_ptr() const { return config_; }
  const std::vector<std::shared_ptr<Instance>>& instances() const { return instances_; }
  std::shared_ptr<Instance> find(const std::string& process_name) const;
  bool all_stopped() const;

  // The facade's: replace the config, add instances, take some out (in their order).
  void set_config(std::shared_ptr<const config::GroupConfig> config) {
    config_ = std::move(config);
  }
  void add(std::shared_ptr<Instance> instance);  // keeps priority order
  std::vector<std::shared_ptr<Instance>> take(const std::vector<std::string>& names);
  std::vector<std::shared_ptr<Instance>> take_all();

 private:
  std::shared_ptr<const config::GroupConfig> config_;
  std::vector<std::shared_ptr<Instance>> instances_;
  // Positions in instances_ ordered by name, for find() in a big group (numprocs=10000:
  // a start of all looks each one up); made at the first find after a change.
  mutable std::vector<uint32_t> by_name_;
  std::vector<uint32_t>::iterator by_name_position(const std::string& name) const;
};

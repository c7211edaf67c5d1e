#include "supervisord/process/group.h"

#include <algorithm>

std::shared_ptr<Instance> Group::find(const std::string& process_name) const {
  for (auto& i : instances_)
    if (i->name() == process_name) return i;
  return nullptr;
}

bool Group::all_stopped() const {
  return std::all_of(instances_.begin(), instances_.end(),
                     [](const auto& i) { return is_stopped_state(i->state()); });
}

void Group::add(std::shared_ptr<Instance> instance) {
  int prio = instance->config().priority;
  auto pos = std::upper_bound(
      instances_.begin(), instances_.end(), prio,
      [](int p, const std::shared_ptr<Instance>& x) { return p < x->config().priority; });
  instances_.insert(pos, std::move(instance));
}

std::vector<std::shared_ptr<Instance>> Group::take(const std::vector<std::string>& names) {
  std::vector<std::shared_ptr<Instance>> out;
  for (auto it = instances_.begin(); it != instances_.end();) {
    if (std::find(names.begin(), names.end(), (*it)->name()) != names.end()) {
      out.push_back(std::move(*it));
      it = instances_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<std::shared_ptr<Instance>> Group::take_all() {
  std::vector<std::shared_ptr<Instance>> out;
  out.swap(instances_);
  return out;
}

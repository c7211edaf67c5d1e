#include "supervisord/process/group.h"

#include <algorithm>

std::shared_ptr<Instance> Group::find(const std::string& process_name) const {
  constexpr size_t kScanned = 16;  // up to this many, a scan is as quick and needs no index
  if (instances_.size() <= kScanned) {
    for (auto& i : instances_)
      if (i->name() == process_name) return i;
    return nullptr;
  }
  if (by_name_.size() != instances_.size()) {
    by_name_.resize(instances_.size());
    for (uint32_t at = 0; at < by_name_.size(); ++at) by_name_[at] = at;
    std::sort(by_name_.begin(), by_name_.end(), [this](uint32_t x, uint32_t y) {
      return instances_[x]->name() < instances_[y]->name();
    });
  }
  auto it = by_name_position(process_name);
  if (it == by_name_.end() || instances_[*it]->name() != process_name) return nullptr;
  return instances_[*it];
}

std::vector<uint32_t>::iterator Group::by_name_position(const std::string& name) const {
  return std::lower_bound(
      by_name_.begin(), by_name_.end(), name,
      [this](uint32_t at, const std::string& n) { return instances_[at]->name() < n; });
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
  auto at = static_cast<uint32_t>(pos - instances_.begin());
  instances_.insert(pos, std::move(instance));
  // The index follows (one insertion, as instances_ had); made anew when it was not whole.
  if (by_name_.size() + 1 != instances_.size()) return by_name_.clear();
  if (at + 1 != instances_.size())
    for (uint32_t& i : by_name_) i += i >= at ? 1 : 0;
  by_name_.insert(by_name_position(instances_[at]->name()), at);
}

std::vector<std::shared_ptr<Instance>> Group::take(const std::vector<std::string>& names) {
  std::vector<std::shared_ptr<Instance>> out;
  for (auto it = instances_.begin(); it != instances_.end();) {
    if (std::find(names.begin(), names.end(), (*it)->name()) != names.end()) {
      out.push_back(std::move(*it));
      it = instances_.erase(it);
      by_name_.clear();
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<std::shared_ptr<Instance>> Group::take_all() {
  std::vector<std::shared_ptr<Instance>> out;
  out.swap(instances_);
  std::vector<uint32_t>().swap(by_name_);
  return out;
}

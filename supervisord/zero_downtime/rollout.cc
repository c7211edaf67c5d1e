// rollout.cc — the rolling restart: batch -> stop -> start -> wait for RUNNING -> pause.
#include "supervisord/zero_downtime/rollout.h"

#include <uv.h>

#include <algorithm>
#include <map>

#include "supervisord/logs/daemon_log.h"
#include "supervisord/supervisor.h"
#include "supervisord/uvx/handle.h"

namespace {

class Roll : public std::enable_shared_from_this<Roll> {
 public:
  Roll(Supervisor& s, std::string group, std::vector<std::string> names, int batch, int pause_ms,
       std::function<void(RolloutResult)> done, bool surge)
      : s_(s),
        group_(std::move(group)),
        names_(std::move(names)),
        batch_(batch < 1 ? 1 : batch),
        pause_ms_(pause_ms < 0 ? 0 : pause_ms),
        done_(std::move(done)),
        surge_(surge) {}

  void begin() {
    if (timer_.init(s_.loop(), uv_timer_init)) timer_->data = this;
    self_ = shared_from_this();  // released when the timer is closed
    s_.log().info(std::string(surge_ ? "surge" : "rolling") + " restart of " + group_ + ": " +
                  std::to_string(names_.size()) + " processes, " + std::to_string(batch_) +
                  " at a time");
    next_batch();
  }

 private:
  std::string spec(const std::string& name) const { return group_ + ":" + name; }

  std::shared_ptr<Instance> instance(const std::string& name) { return s_.find(group_, name); }

  // Runs `check` now and on every state change of the batch's instances until it is done
  // (returns true) once.
  void on_batch_change(bool (Roll::*check)()) {
    auto self = shared_from_this();
    auto finished = std::make_shared<bool>(false);
    std::vector<std::shared_ptr<Instance>> batch;
    for (const auto& name : current_)
      if (auto sl = instance(name)) batch.push_back(std::move(sl));
    if (batch.empty()) {
      (this->*check)();
      return;
    }
    for (auto& inst : batch) {
      inst->watch([self, finished, check](const Instance* i) {
        if (!*finished) *finished = ((*self).*check)();
        return *finished || !i;
      });
    }
  }

  void next_batch() {
    if (at_ >= names_.size()) return finish();
    current_.clear();
    for (size_t i = 0; i < static_cast<size_t>(batch_) && at_ < names_.size(); ++i, ++at_) {
      const std::string& name = names_[at_];
      auto sl = instance(name);
      if (!sl) {
        result_.lines.push_back(spec(name) + ": ERROR (no such process)");
        result_.ok = false;
        continue;
      }
      current_.push_back(name);
      if (surge_) {
        pid_t old = sl->process().pid();
        CommandStatus st = sl->begin_surge();
        surges_[name] =
            st.ok() ? Surge{Surge::Pending, old, ""}
                    : Surge{Surge::Failed, old, st.detail.empty() ? "spawn error" : st.detail};
      } else if (is_running_state(sl->state())) {
        (void)sl->stop();
      }
    }
    on_batch_change(surge_ ? &Roll::surged : &Roll::stopped);
  }

  // Surge waiter: each replacement is RUNNING and its old master gone, or given up (and
  // then it is gone and the old master serves).
  bool surged() {
    bool all_done = true;
    for (const auto& name : current_) {
      Surge& sg = surges_[name];
      auto sl = instance(name);
      if (!sl) {
        sg = {Surge::Failed, sg.old_pid, "removed"};
        continue;
      }
      if (sg.step == Surge::Pending) {
        ProcessState st = sl->state();
        if (st == ProcessState::Running) {
          sg.step = Surge::Kept;
          sl->end_surge(true);
        } else if (st != ProcessState::Starting && st != ProcessState::Stopping) {
          // (STOPPING passes on to BACKOFF, EXITED or STOPPED: the reason is where it ends)
          sg.reason = sl->process().spawnerr();
          if (sg.reason.empty()) sg.reason = std::string(state_name(st));
          sg.step = Surge::Failed;
          sl->end_surge(false);
        }
      }
      if (sl->draining() || sg.step == Surge::Pending) all_done = false;
    }
    if (!all_done) return false;
    for (const auto& name : current_) {
      Surge& sg = surges_[name];
      if (sg.step != Surge::Failed) continue;
      auto sl = instance(name);
      pid_t now = sl ? sl->process().pid() : 0;
      result_.ok = false;
      result_.lines.push_back(spec(name) + ": ERROR (not ready: " + sg.reason + "; pid " +
                              std::to_string(now) + " kept)");
      s_.log().warn("surge restart of " + group_ + " stopped: " + spec(name) +
                    " did not become ready (" + sg.reason + ")");
    }
    if (!result_.ok) {
      size_t left = names_.size() - at_;
      result_.lines.push_back(group_ + ": surge restart stopped, " + std::to_string(left) +
                              " not restarted (still running the old version)");
      finish();
      return true;
    }
    for (const auto& name : current_) {
      auto sl = instance(name);
      result_.lines.push_back(spec(name) + ": replaced (pid " +
                              std::to_string(surges_[name].old_pid) + " -> " +
                              std::to_string(sl ? sl->process().pid() : 0) + ")");
    }
    after_batch();
    return true;
  }

  // Waiter: every process of the batch is down -> start them.
  bool stopped() {
    for (const auto& name : current_) {
      auto sl = instance(name);
      if (sl && !is_stopped_state(sl->state())) return false;
    }
    for (const auto& name : current_) {
      auto sl = instance(name);
      if (!sl) continue;
      CommandStatus st = sl->start();
      if (!st.ok() && st.fault != Fault::AlreadyStarted) failed_.push_back(name);
    }
    on_batch_change(&Roll::started);
    return true;
  }

  // Waiter: every replacement is RUNNING (ready), or one failed.
  bool started() {
    bool all_running = true;
    for (const auto& name : current_) {
      auto sl = instance(name);
      ProcessState st = sl ? sl->state() : ProcessState::Stopped;
      bool failed = !sl || st == ProcessState::Backoff || st == ProcessState::Fatal ||
                    st == ProcessState::Exited || st == ProcessState::Stopped ||
                    st == ProcessState::Unknown;
      if (failed || std::find(failed_.begin(), failed_.end(), name) != failed_.end()) {
        std::string why = sl ? sl->process().spawnerr() : "removed";
        if (why.empty()) why = sl ? std::string(state_name(st)) : why;
        result_.ok = false;
        result_.lines.push_back(spec(name) + ": ERROR (not ready: " + why + ")");
        size_t left = names_.size() - at_;
        result_.lines.push_back(group_ + ": rolling restart stopped, " + std::to_string(left) +
                                " not restarted (still running the old version)");
        s_.log().warn("rolling restart of " + group_ + " stopped: " + spec(name) +
                      " did not become ready (" + why + ")");
        finish();
        return true;
      }
      if (st != ProcessState::Running) all_running = false;
    }
    if (!all_running) return false;
    for (const auto& name : current_) result_.lines.push_back(spec(name) + ": restarted");
    after_batch();
    return true;
  }

  void after_batch() {
    if (at_ >= names_.size() || pause_ms_ == 0 || !timer_) {
      next_batch();
    } else {
      uv_timer_start(
          timer_.get(), [](uv_timer_t* t) { static_cast<Roll*>(t->data)->next_batch(); },
          static_cast<uint64_t>(pause_ms_), 0);
    }
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (result_.ok) s_.log().info("rolling restart of " + group_ + " done");
    auto done = std::move(done_);
    if (done) done(result_);
    if (!timer_) return self_.reset();        // may free the Roll
    timer_.close([this] { self_.reset(); });  // may free the Roll
  }

  Supervisor& s_;
  std::string group_;
  std::vector<std::string> names_;
  int batch_;
  int pause_ms_;
  std::function<void(RolloutResult)> done_;
  std::shared_ptr<Roll> self_;
  uvx::Handle<uv_timer_t> timer_;
  size_t at_ = 0;
  std::vector<std::string> current_;
  std::vector<std::string> failed_;
  RolloutResult result_;
  bool finished_ = false;
  bool surge_ = false;
  struct Surge {
    enum Step { Pending, Kept, Failed } step = Pending;
    pid_t old_pid = 0;
    std::string reason;  // why it was given up
  };
  std::map<std::string, Surge> surges_;
};

}  // namespace

void rolling_restart(Supervisor& s, const std::string& group, std::vector<std::string> names,
                     int batch, int pause_ms, std::function<void(RolloutResult)> done, bool surge) {
  std::make_shared<Roll>(s, group, std::move(names), batch, pause_ms, std::move(done), surge)
      ->begin();
}

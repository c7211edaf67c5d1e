#include "supervisord/run/daemon.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include <set>
#include <utility>

#include "common/invariant.h"
#include "common/text_io.h"
#include "supervisord/events/event_system.h"
#include "supervisord/logs/child_log.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/logs/syslog_client.h"
#include "supervisord/metrics/collector.h"
#include "supervisord/process/cgroup.h"
#include "supervisord/process/reaper.h"
#include "supervisord/rpc/dispatch.h"
#include "supervisord/rpc/methods.h"
#include "supervisord/rpc/methods_store.h"
#include "supervisord/rpc/methods_zero_downtime.h"
#include "supervisord/rpc/routes.h"
#include "supervisord/rpc/server.h"
#include "supervisord/run/handover.h"
#include "supervisord/startup/cli.h"
#include "supervisord/startup/daemonize.h"
#include "supervisord/startup/limits.h"
#include "supervisord/startup/notes.h"
#include "supervisord/startup/privileges.h"
#include "supervisord/store/observer.h"
#include "supervisord/store/recovery.h"
#include "supervisord/store/store.h"
#include "supervisord/supervisor.h"
#include "supervisord/uvx/handle.h"
#include "supervisord/zero_downtime/rollout.h"
#include "supervisord/zero_downtime/scale_group.h"
#include "supervisord/zero_downtime/scaling.h"

namespace {

struct SignalHandles {
  uvx::Handle<uv_signal_t> handles[6];
};

// Syslog records that /dev/log could not take at once wait in SyslogClient; this tells it
// when the socket is writable again. Unreferenced: it never keeps the loop running.
class SyslogWatch {
 public:
  explicit SyslogWatch(uv_loop_t* loop) : loop_(loop) {
    logs::SyslogClient::instance().set_watch([this](int fd, bool want) { watch(fd, want); });
  }
  ~SyslogWatch() { logs::SyslogClient::instance().set_watch(nullptr); }
  SyslogWatch(const SyslogWatch&) = delete;
  SyslogWatch& operator=(const SyslogWatch&) = delete;

 private:
  void watch(int fd, bool want) {
    if (!want || fd != fd_) poll_.close();  // before the client closes or replaces the fd
    if (!want) return;
    if (!poll_) {
      if (!poll_.init(loop_, uv_poll_init, fd)) return;  // records still go out with later sends
      uv_unref(poll_.handle());
      fd_ = fd;
    }
    uv_poll_start(poll_.get(), UV_WRITABLE,
                  [](uv_poll_t*, int, int) { logs::SyslogClient::instance().flush(); });
  }

  uv_loop_t* loop_;
  uvx::Handle<uv_poll_t> poll_;
  int fd_ = -1;
};

}  // namespace

RunOutcome run_daemon(const RunInput& input, int& exit_code) {
  exit_code = 0;
  const config::Config& cfg = *input.config;
  const config::SupervisordConfig& sd = cfg.supervisord;
  // Re-exec in place: this image replaced a running daemon (same pid, already daemonized).
  const bool reexecuted = input.handover.has_value() || !input.handover_error.empty();
  auto fail = [&](const std::string& message) {
    textio::write_all(2, startup::cli_error_text(input.argv0, message));
    exit_code = 2;
    return RunOutcome::Shutdown;
  };

  logs::DaemonLog log;
  log.set_level(sd.loglevel);
  // Lost syslog records are told in the daemon log; `log` lives as long as this run.
  logs::SyslogClient::instance().set_report([&log](const std::string& m) { log.warn(m); });
  struct ForgetReport {
    ~ForgetReport() { logs::SyslogClient::instance().set_report(nullptr); }
  } forget_report;
  // A broken invariant is told in the daemon log (CRIT) before the abort.
  invariant::set_reporter([&log](std::string_view report) { log.critical(report); });
  struct ForgetReporter {
    ~ForgetReporter() { invariant::set_reporter(nullptr); }
  } forget_reporter;
  // Start-up's steps (supervisord/startup/), in order.
  startup::EarlyNotes notes;
  if (Status st = startup::drop_privileges(sd, notes); !st) return fail(st.error());
  if (input.first_run) {
    if (Status st = limits::raise_limit(RLIMIT_NOFILE, sd.minfds, "file descriptors", notes); !st)
      return fail(st.error());
    if (Status st = limits::raise_limit(RLIMIT_NPROC, sd.minprocs, "available processes", notes);
        !st)
      return fail(st.error());
  }
  if (Status st = log.open(sd.logfile, sd.logfile_maxbytes, sd.logfile_backups, sd.loglevel,
                           sd.nodaemon && !sd.silent);
      !st)
    return fail(st.error());
  for (const auto& c : notes.critical) log.critical(c);
  for (const auto& w : cfg.warnings) log.warn(w);
  for (const auto& f : cfg.included) log.info("Included extra file \"" + f + "\" during parsing");
  for (const auto& i : notes.info) log.info(i);
  if (!sd.nocleanup && !reexecuted) logs::cleanup_auto_logs(sd.childlogdir, sd.identifier);

  // Children inherit SIGPIPE ignored, as Python Supervisor's children do.
  ::signal(SIGPIPE, SIG_IGN);

  uv_loop_t loop;
  uv_loop_init(&loop);
  Reaper reaper(&loop);
  if (Status st = reaper.start(); !st) return fail(st.error());
  if (Status st = Reaper::become_subreaper(); !st)
    log.warn("cannot become a child subreaper: " + st.error());

  rpc::ServerOptions sopts;
  sopts.log = [&log](const std::string& line) { log.info(line); };
  sopts.request_limits.max_body = static_cast<size_t>(sd.http_request_maxbytes);
  sopts.request_limits.max_body_setting = "[supervisord] http_request_maxbytes";
  rpc::Server server(&loop, sopts);
  store::Store state_store(&loop);
  Supervisor supervisor(&loop, reaper, log);
  // Extension: one cgroup per instance where cgroup v2 is writable; else one warning and
  // process groups only (docs/ARCHITECTURE.md#process-trees).
  cgroup::Manager cgroups = cgroup::Manager::detect(sd.cgroups);
  struct CgroupsAtExit {
    cgroup::Manager& m;
    ~CgroupsAtExit() { m.close(); }
  } cgroups_at_exit{cgroups};
  if (cgroups.contained())
    log.info("cgroups: each instance in its own cgroup under " + cgroups.root());
  std::string adopted_cgroups =
      input.handover ? cgroups.reuse_root(input.handover->cgroup_root) : std::string();
  if (cgroups.contained() && input.handover)
    log.info("cgroups: instances stay under " + cgroups.root());
  else if (cgroups.mode() == cgroup::Mode::Unavailable)
    log.warn("cgroups unavailable (" + cgroups.reason() +
             "): instances are contained by process group only");
  supervisor.use_cgroups(&cgroups);
  store::Observer store_observer(supervisor, state_store, sd.remember_state);
  auto store_log = [&log](int level, const std::string& text) { log.log(level, text); };
  store::Recovery recovery(&loop, store_log);
  events::EventSystem event_system(&loop, supervisor, log);
  rpc::Dispatcher dispatcher;
  metrics::Collector metrics(supervisor);  // GET /metrics
  metrics.set_event_system(&event_system);
  dispatcher.set_observer(
      [&metrics](const std::string& m, double s) { metrics.observe_rpc(m, s); });
  state_store.set_on_commit([&metrics](double s) { metrics.observe_store_commit(s); });

  RunOutcome outcome = RunOutcome::Shutdown;
  bool stopping = false;
  SignalHandles sig;
  // Re-exec in place (extension): the hand-over runs from this timer, after the reply.
  uvx::Handle<uv_timer_t> reexec_timer;
  std::function<void()> reexec_go;
  (void)reexec_timer.init(&loop, uv_timer_init);
  auto reexec = [&]() -> Status {
    if (stopping) return Status::fail("supervisord is shutting down");
    if (Status st = handover::no_surge_running(supervisor); !st) return st;
    if (Status st = handover::check(input.self.exe, cfg.path); !st) {
      log.warn("re-exec refused: " + st.error());
      return st;
    }
    log.info("re-exec: " + input.self.exe + " accepts the config; handing over");
    reexec_go = [&]() {
      state_store.flush();  // history up to now, before the image goes
      handover::Record record = handover::collect(supervisor, server, event_system, cgroups,
                                                  static_cast<int64_t>(uv_now(&loop)));
      log.info("re-exec: executing " + input.self.exe + " with " +
               std::to_string(record.instances.size()) + " instances");
      Status st = handover::exec(input.self, record);
      log.error("re-exec failed, this image goes on: " + st.error());
    };
    reexec_timer->data = &reexec_go;
    uv_timer_start(
        reexec_timer.get(),
        [](uv_timer_t* t) { (*static_cast<std::function<void()>*>(t->data))(); }, 0, 0);
    return Status::success();
  };

  auto teardown = [&]() {
    recovery.close([] {});
    state_store.close(/*clean=*/true, [] {});
    event_system.close();
    supervisor.close([&]() {
      server.close([&]() {
        reaper.close([&]() {
          for (auto& h : sig.handles) h.close();
          reexec_timer.close();
        });
      });
    });
  };
  auto begin_stop = [&](RunOutcome how) {
    if (stopping) return;
    stopping = true;
    outcome = how;
    // SUPERVISOR_STATE_CHANGE_STOPPING goes out through the bus.
    supervisor.set_state(how == RunOutcome::Restart ? SupervisorState::Restarting
                                                    : SupervisorState::Shutdown);
    supervisor.stop_all_ordered(teardown);
  };

  rpc::DaemonHooks hooks;
  hooks.shutdown = [&]() { begin_stop(RunOutcome::Shutdown); };
  hooks.restart = [&]() { begin_stop(RunOutcome::Restart); };
  hooks.reexec = reexec;
  hooks.reload = [&]() -> Result<std::shared_ptr<const config::Config>> {
    // Instance counts set with `scale` (extension) stay until the file's numprocs changes.
    if (!state_store.instance_counts().empty())
      return scaling::load(input.load_options, state_store);
    auto next = config::load(input.load_options);
    if (!next) return Result<std::shared_ptr<const config::Config>>::fail(next.error());
    return std::shared_ptr<const config::Config>(
        std::make_shared<config::Config>(std::move(*next)));
  };
  hooks.remote_event = [&](const std::string& type, const std::string& data) {
    event_system.remote(type, data);
  };
  rpc::register_daemon_methods(dispatcher, supervisor, hooks);
  rpc::register_process_methods(dispatcher, supervisor);
  rpc::register_log_methods(dispatcher, supervisor);
  rpc::register_store_methods(dispatcher, state_store, recovery);
  rpc::register_zero_downtime_methods(dispatcher, supervisor, state_store);
  server.set_handler(rpc::make_router(
      &loop, dispatcher, supervisor,
      [&metrics](const http::Request& r, std::shared_ptr<rpc::Responder> a) {
        metrics.serve(r, a);
      },
      [&](const std::string& group, const std::string& count,
          std::function<void(std::string)> done) {
        scaling::scale_group(
            supervisor, state_store, group, count, [group, done](scaling::Scaled r) {
              done(r.status.ok() ? r.lines.front()
                                 : "ERROR: Group " + group + ": " +
                                       fault_string(r.status.fault, r.status.detail));
            });
      }));

  if (Status st = server.listen(cfg.unix_servers, cfg.inet_servers,
                                input.handover ? input.handover->server_fds : std::vector<int>{});
      !st) {
    server.close();
    reexec_timer.close();
    reaper.close([] {});
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return fail(st.error());
  }
  for (const auto& u : cfg.unix_servers) {
    log.info("RPC interface 'supervisor' initialized");
    if (u.username.empty())
      log.critical("Server '" + u.section + "' running without any HTTP authentication checking");
  }
  for (const auto& i : cfg.inet_servers) {
    log.info("RPC interface 'supervisor' initialized");
    if (i.username.empty())
      log.critical("Server '" + i.section + "' running without any HTTP authentication checking");
  }
  event_system.attach();
  supervisor.set_config(input.config, server.server_url());

  if (input.first_run && !sd.nodaemon && !reexecuted) {
    startup::daemonize(&loop, sd, log);
    cgroups.follow_pid(getpid());
  }
  startup::write_pidfile(sd.pidfile, log);

  // Signals (http://supervisord.org/running.html, "Signals").
  struct SigSpec {
    int signum;
    const char* name;
  };
  static constexpr SigSpec kSignals[] = {{SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"},
                                         {SIGQUIT, "SIGQUIT"}, {SIGHUP, "SIGHUP"},
                                         {SIGUSR2, "SIGUSR2"}, {SIGUSR1, "SIGUSR1"}};
  struct SigCtx {
    std::function<void(int)> fn;
  };
  SigCtx sigctx{[&](int signum) {
    const char* name = "signal";
    for (auto& s : kSignals)
      if (s.signum == signum) name = s.name;
    if (signum == SIGHUP) {
      if (stopping) {
        log.warn(std::string("ignored ") + name +
                 " indicating restart request (shutdown in progress)");
        return;
      }
      log.warn(std::string("received ") + name + " indicating restart request");
      begin_stop(RunOutcome::Restart);
    } else if (signum == SIGUSR1) {  // extension: supervisor.reexec
      log.info(std::string("received ") + name + " indicating re-exec request");
      (void)reexec();
    } else if (signum == SIGUSR2) {
      log.info(std::string("received ") + name + " indicating log reopen request");
      (void)log.reopen();
      supervisor.reopen_logs();
      log.info("supervisord logreopen");
    } else {
      log.warn(std::string("received ") + name + " indicating exit request");
      begin_stop(RunOutcome::Shutdown);
    }
  }};
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    uvx::Handle<uv_signal_t>& h = sig.handles[i];
    if (!h.init(&loop, uv_signal_init)) continue;
    h->data = &sigctx;
    uv_signal_start(
        h.get(),
        [](uv_signal_t* handle, int signum) { static_cast<SigCtx*>(handle->data)->fn(signum); },
        kSignals[i].signum);
  }

  log.info("supervisord started with pid " + std::to_string(::getpid()));
  event_system.supervisor_running();
  // The store opens after daemonizing (sqlite locks do not survive a fork). Instances a
  // crashed previous run left behind are stopped before anything is started.
  store::Options so;
  so.path = store::resolve_statefile(sd.statefile, sd.pidfile);
  so.remember_state = sd.remember_state;
  so.log = store_log;
  (void)state_store.open(std::move(so));
  {
    // cgroups: what a dead daemon left is stopped only if it was this daemon's previous run.
    const store::PreviousRun& prev = state_store.previous_run();
    pid_t mine = prev.found && prev.same_boot && state_store.enabled() ? prev.pid : 0;
    if (size_t others = cgroups.keep_leftovers_of(mine); others > 0)
      log.info("cgroups: " + std::to_string(others) +
               " cgroup(s) with processes left by a supervisord that died are not this "
               "daemon's previous run" +
               (mine > 0 ? " (pid " + std::to_string(mine) + " in the state file)" : "") +
               ": left alone");
  }
  if (!state_store.instance_counts().empty()) {  // extension: counts set with `scale`
    {
      // A transform of the loaded config (no second load). Nothing runs yet: the groups
      // whose instances differ are rebuilt, not started (the autostart below starts
      // them, recovery permitting).
      auto scaled = scaling::apply_counts(input.config, state_store);
      for (size_t i = cfg.warnings.size(); i < scaled->warnings.size(); ++i)
        log.warn(scaled->warnings[i]);
      config::Diff df = supervisor.reread(scaled);
      Supervisor::ApplyOptions options;
      options.autostart = false;
      for (size_t i = 0; i < df.changed.size(); ++i)
        if (!df.processes[i].added.empty() || !df.processes[i].removed.empty())
          options.only.push_back(df.changed[i]);
      if (!options.only.empty()) {
        std::vector<std::string> rebuilt = options.only;
        supervisor.apply(df, std::move(options), [](auto) {});
        for (const auto& g : rebuilt)
          log.info("instance count of " + g + " restored from the state file");
      }
    }
  }
  // Re-exec in place: the previous image's instances are taken over, not started; exits
  // that happened during the exec are reaped now that their owners watch.
  std::set<std::pair<std::string, std::string>> adopted;
  if (!input.handover_error.empty())
    log.error("re-exec: " + input.handover_error +
              ": the programs are stopped and started again (crash recovery)");
  if (input.handover) {
    adopted = handover::adopt(*input.handover, adopted_cgroups, supervisor, event_system,
                              [&log](const std::string& m) { log.warn(m); });
    for (const auto& [g, n] : adopted)
      if (auto inst = supervisor.find(g, n); inst && inst->process().pid() > 0)
        state_store.record_instance(store::instance_record(inst->process()));
    reaper.reap();
    uv_update_time(&loop);
    log.info("re-exec: adopted " + std::to_string(adopted.size()) + " instances, " +
             std::to_string(static_cast<int64_t>(uv_now(&loop)) - input.handover->written_ms) +
             " ms after the previous image wrote the record");
  }
  std::vector<store::InstanceRecord> previous;
  for (const auto& r : state_store.previous_instances())
    if (!adopted.count({r.group, r.name})) previous.push_back(r);
  // Each instance waits for its own predecessor only (the previous run's instance of the
  // same group and name): one whose old group is gone, or that had none, starts at once,
  // in priority order; the others start one by one as their old groups go.
  std::set<std::pair<std::string, std::string>> recovering;
  for (const auto& r : previous) recovering.emplace(r.group, r.name);
  bool autostarted = false;
  auto held_back = [&](const Instance& p) {
    return recovering.count({p.group(), p.name()}) > 0 ||
           (sd.remember_state && state_store.admin_stopped(p.group(), p.name()));
  };
  recovery.run(
      previous, [&](auto&) { state_store.clear_previous_instances(); },
      [&](const store::RecoveryOutcome& o) {
        std::pair<std::string, std::string> key{o.record.group, o.record.name};
        recovering.erase(key);
        // cgroups: what escaped the recovered group (setsid, double fork) goes too.
        for (const auto& line :
             cgroups.kill_leftover(cgroup::instance_dir_name(key.first, key.second)))
          log.warn(line);
        if (!autostarted) return;  // the first autostart below will include it
        supervisor.autostart([&](const Instance& p) {
          return std::make_pair(p.group(), p.name()) != key || held_back(p);
        });
      });
  autostarted = true;
  {
    // cgroups: a dead daemon's instance cgroups that recovery does not stop are killed
    // before anything starts (their processes could hold a successor's port).
    std::vector<std::string> recovered;
    for (const auto& [g, n] : recovering) recovered.push_back(cgroup::instance_dir_name(g, n));
    for (const auto& line : cgroups.kill_leftovers(recovered)) log.warn(line);
  }
  supervisor.autostart(held_back);
  {
    SyslogWatch syslog_watch(&loop);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_NOWAIT);  // the watch's close
  uvx::check_all_closed(&loop);  // every handle closed and freed, or a bug (INVARIANT)
  uv_loop_close(&loop);

  startup::remove_pidfile(sd.pidfile);
  if (outcome == RunOutcome::Shutdown) {
    log.info("exiting");
    logs::SyslogClient::instance().finish(1000);  // bounded: never hangs an exit
  }
  return outcome;
}

// controller.h — runs one command line the way Python's cmd.Cmd-based Controller
// does: parse "cmd args", dispatch through the command catalog, the upcheck, exit
// status accumulation, the 401 retry, and the "error: <class ...>" line for any
// failure a command does not handle itself.
// Owns: per-invocation state (options, exit status, completion cache).
// Must not depend on libedit or on how output reaches the terminal (Io is injected).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisorctl/client.h"
#include "supervisorctl/decode.h"
#include "supervisorctl/options.h"
#include "supervisorctl/render.h"

namespace ctl {

// The terminal seams: tests capture output and script the answers.
struct Io {
  std::function<void(std::string_view)> write;      // stdout text, as is
  std::function<void(std::string_view)> write_err;  // stderr text, as is
  // A prompt and one line of answer; nullopt on EOF. `secret` hides the echo.
  std::function<std::optional<std::string>(std::string_view prompt, bool secret)> ask;
};

// Makes the Rpc for the current options (serverurl and credentials can change
// at run time: `open`, the 401 prompt).
using RpcMaker = std::function<std::unique_ptr<Rpc>(const Options&)>;

class Controller {
 public:
  Controller(Options options, RpcMaker maker, Io io);

  // cmd.Cmd.onecmd: returns true when the shell should stop (quit, exit, EOF).
  bool onecmd(std::string_view line);

  int exit_status() const { return exit_status_; }
  void set_exit_status(int s) { exit_status_ = s; }
  Options& options() { return options_; }
  Io& io() { return io_; }

  // Output helpers: a line plus '\n'.
  void output(std::string_view line);
  void output_lines(const std::vector<std::string>& lines);
  // get_supervisor(): a fresh proxy; its calls share one connection.
  std::unique_ptr<Rpc> server() { return maker_(options_); }
  // Python's upcheck: getVersion on its own connection; prints Python's text for a failure
  // (refused: exit 4, no socket: 7, API not 3.0: 5, no supervisor.*: 3). false = stop.
  bool upcheck();

  // A failure the command does not handle: remembered here, printed by onecmd as
  // Python's traceback summary. The command returns right after calling this.
  void raise(const Reply& reply);
  void raise_value_error(std::string message);
  bool raised() const { return pending_.has_value(); }

  // set_exitstatus_from_xmlrpc_fault.
  void exit_from_fault(int code, std::optional<int> ignored = {}) {
    exit_status_from_fault(exit_status_, code, ignored);
  }

  // supervisor.getAllProcessInfo on `rpc` as rows, decoded straight from the answer's bytes
  // (decode_process_infos), the generic way when it is not the usual shape: the one place
  // commands read it. nullopt when the answer is not an array, after raise() unless quiet.
  std::optional<std::vector<ProcInfo>> all_process_info(Rpc& rpc, bool quiet = false);
  // Process infos for completion, fetched once per command line.
  const std::vector<ProcInfo>& complete_info();

 private:
  struct Pending {
    Reply reply;
    std::optional<std::string> value_error;
  };
  void run(std::string_view cmd, std::string_view arg);
  std::string error_line(const Pending& p) const;

  Options options_;
  RpcMaker maker_;
  Io io_;
  int exit_status_ = kExitSuccess;
  std::optional<Pending> pending_;
  std::optional<std::vector<ProcInfo>> complete_info_;
};

// Helpers shared by the command handlers (and decode.h's proc_info_from, result_row_from).
const xmlrpc::FaultValue* as_fault(const Reply& r);
const xmlrpc::Value* as_value(const Reply& r);
const TransportError* as_transport_error(const Reply& r);

}  // namespace ctl

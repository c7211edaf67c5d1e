// controller.cc — see controller.h.
#include "supervisorctl/controller.h"

#include <cctype>

#include "common/faults.h"
#include "supervisorctl/commands.h"

namespace ctl {
namespace {

bool is_identchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

const xmlrpc::FaultValue* as_fault(const Reply& r) {
  return std::get_if<xmlrpc::FaultValue>(&r);
}
const xmlrpc::Value* as_value(const Reply& r) {
  return std::get_if<xmlrpc::Value>(&r);
}
const TransportError* as_transport_error(const Reply& r) {
  return std::get_if<TransportError>(&r);
}

Controller::Controller(Options options, RpcMaker maker, Io io)
    : options_(std::move(options)), maker_(std::move(maker)), io_(std::move(io)) {}

void Controller::output(std::string_view line) {
  std::string s(line);
  s += '\n';
  io_.write(s);
}

// Many lines in one write: `status` of 1000 processes is one syscall, not 1000.
void Controller::output_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) {
    s += l;
    s += '\n';
  }
  if (!s.empty()) io_.write(s);
}

bool Controller::upcheck() {
  auto rpc = server();
  Reply r = rpc->call("supervisor.getVersion", {});
  if (const xmlrpc::Value* v = as_value(r)) {
    std::string api = v->is_string() ? v->as_string() : "";
    if (api != "3.0") {
      output(
          "Sorry, this version of supervisorctl expects to talk to a server with API version "
          "3.0, but the remote version is " +
          api + ".");
      exit_status_ = kExitNotInstalled;
      return false;
    }
    return true;
  }
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    if (f->code == static_cast<int>(Fault::UnknownMethod)) {
      output(
          "Sorry, supervisord responded but did not recognize the supervisor namespace "
          "commands that supervisorctl uses to control it.  Please check that the "
          "[rpcinterface:supervisor] section is enabled in the configuration file (see "
          "sample.conf).");
      exit_status_ = kExitUnimplemented;
      return false;
    }
  }
  if (const TransportError* e = as_transport_error(r);
      e && e->kind == TransportError::Kind::Connect) {
    if (e->err == ECONNREFUSED) {
      output(options_.serverurl + " refused connection");
      exit_status_ = kExitInsufficientPrivileges;
      return false;
    }
    if (e->err == ENOENT) {
      output(options_.serverurl + " no such file");
      exit_status_ = kExitNotRunning;
      return false;
    }
  }
  exit_status_ = kExitGeneric;
  raise(r);
  return false;
}

void Controller::raise(const Reply& reply) {
  if (!pending_) pending_ = Pending{reply, std::nullopt};
}

void Controller::raise_value_error(std::string message) {
  if (!pending_) pending_ = Pending{xmlrpc::Value(), std::move(message)};
}

std::string Controller::error_line(const Pending& p) const {
  if (p.value_error) return python_error("ValueError", *p.value_error, PyErrorSite::CtlValueError);
  if (const xmlrpc::FaultValue* f = as_fault(p.reply)) {
    return python_error("xmlrpc.client.Fault", fault_repr(f->code, f->string),
                        PyErrorSite::XmlrpcClientFault);
  }
  if (const TransportError* e = as_transport_error(p.reply)) {
    switch (e->kind) {
      case TransportError::Kind::BadUrl:
        return "error: <class 'ValueError'>, " + e->message +
               ": file: /usr/lib/python3/dist-packages/supervisor/xmlrpc.py line: 505";
      case TransportError::Kind::Connect:
        return python_error(errno_class(e->err), errno_message(e->err),
                            e->unix_socket ? PyErrorSite::UnixConnect : PyErrorSite::TcpConnect);
      case TransportError::Kind::Http:
        return python_error("xmlrpc.client.ProtocolError",
                            "<ProtocolError for 127.0.0.1/RPC2: " + std::to_string(e->status) +
                                " " + e->reason + ">",
                            PyErrorSite::SupervisorTransport);
      case TransportError::Kind::Io:
        if (e->err == 0) {
          return "error: <class 'http.client.RemoteDisconnected'>, Remote end closed connection "
                 "without response: file: /usr/lib/python3.11/http/client.py line: 294";
        }
        return "error: <class '" + errno_class(e->err) + "'>, " + errno_message(e->err) +
               ": file: /usr/lib/python3.11/socket.py line: 706";
      case TransportError::Kind::Protocol:
        return "error: <class 'xml.parsers.expat.ExpatError'>, " + e->message +
               ": file: /usr/lib/python3.11/xmlrpc/client.py line: 451";
    }
  }
  return "error: <class 'Exception'>, unknown: file: supervisorctl line: 0";
}

void Controller::run(std::string_view cmd, std::string_view arg) {
  const Command* c = find_command(cmd);
  c->run(*this, arg);
}

bool Controller::onecmd(std::string_view raw) {
  // cmd.Cmd.parseline
  std::string line(strip(raw));
  if (line.empty()) return false;  // emptyline(): a blank line repeats nothing
  if (line[0] == '?') line = "help " + line.substr(1);
  size_t i = 0;
  while (i < line.size() && is_identchar(line[i])) ++i;
  std::string cmd = line.substr(0, i);
  std::string arg(strip(std::string_view(line).substr(i)));
  complete_info_.reset();
  const Command* c = cmd.empty() ? nullptr : find_command(cmd);
  if (c == nullptr) {
    output("*** Unknown syntax: " + line);
    exit_status_ = kExitGeneric;
    return false;
  }
  if (cmd == "EOF" || cmd == "quit" || cmd == "exit") {
    output("");
    return true;
  }
  pending_.reset();
  run(cmd, arg);
  if (!pending_) return false;
  Pending p = std::move(*pending_);
  pending_.reset();
  const TransportError* e = as_transport_error(p.reply);
  if (!p.value_error && e && e->kind == TransportError::Kind::Http && e->status == 401) {
    output("Server requires authentication");
    if (options_.interactive) {
      // End of input at a prompt ends this command with Python's EOFError line; asking
      // again would never end (it recursed until the stack ran out).
      auto user = io_.ask("Username:", false);
      auto pass = user ? io_.ask("Password:", true) : std::nullopt;
      if (!pass) {
        output(user
                   ? python_error("EOFError", "", PyErrorSite::Getpass)
                   : python_error("EOFError", "EOF when reading a line", PyErrorSite::CtlRawInput));
        exit_status_ = kExitGeneric;
        return false;
      }
      output("");
      options_.username = *user;
      options_.password = *pass;
      return onecmd(line);
    }
    // Python sets the status, then runs the command once more outside its 401
    // handler, so the second 401 surfaces as the generic error line.
    exit_status_ = kExitGeneric;
    run(cmd, arg);
    if (!pending_) return false;
    p = std::move(*pending_);
    pending_.reset();
  }
  output(error_line(p));
  exit_status_ = kExitGeneric;
  return false;
}

std::optional<std::vector<ProcInfo>> Controller::all_process_info(Rpc& rpc, bool quiet) {
  RawReply body = rpc.call_body("supervisor.getAllProcessInfo", {});
  std::vector<ProcInfo> infos;
  Reply r;
  if (auto* e = std::get_if<TransportError>(&body)) {
    r = std::move(*e);
  } else if (decode_process_infos(std::get<Body>(body).view(), infos)) {
    return infos;
  } else {
    r = decode_reply(std::get<Body>(body).view());
  }
  if (const xmlrpc::Value* v = as_value(r); v && v->is_array()) {
    for (const xmlrpc::Value& item : v->as_array()) infos.push_back(proc_info_from(item));
    return infos;
  }
  if (!quiet) raise(r);
  return std::nullopt;
}

const std::vector<ProcInfo>& Controller::complete_info() {
  if (!complete_info_) {
    auto rpc = server();
    complete_info_ = all_process_info(*rpc, /*quiet=*/true).value_or(std::vector<ProcInfo>{});
  }
  return *complete_info_;
}

}  // namespace ctl

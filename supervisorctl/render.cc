// render.cc — see render.h. Every literal here was checked against Python's
// supervisorctl 4.2.5 output (tests/integration/test_ctl_vs_python.py).
#include "supervisorctl/render.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "common/faults.h"
#include "common/namespec.h"
#include "common/pystr.h"

namespace ctl {
namespace {

// Python's "%-Ns": pad on the right to N code points (len() of a str: a name may be
// "café"), never truncate.
void append_padded(std::string& out, std::string_view s, size_t width) {
  out += s;
  if (const size_t len = pystr::count_code_points(s); len < width) out.append(width - len, ' ');
}

std::string ljust(std::string_view s, size_t width) {
  std::string out;
  append_padded(out, s, width);
  return out;
}

constexpr int code(Fault f) {
  return static_cast<int>(f);
}

}  // namespace

namespace {

// The length in code points of status's first column, namespec::make's text (those of the
// parts: ':' ends any byte sequence before it).
size_t namespec_length(const ProcInfo& info) {
  const size_t name = pystr::count_code_points(info.name);
  return info.group == info.name ? name : pystr::count_code_points(info.group) + 1 + name;
}

// "%-{W}s%-10s%s" of one process, W = max(30, longest namespec) + 3, its lengths given.
void append_status_line(std::string& out, const ProcInfo& info, size_t length, size_t width) {
  namespec::append(out, info.group, info.name);
  out.append(width - length, ' ');
  append_padded(out, info.statename, 10);
  out += info.description;
}

// The namespecs' lengths and the first column's width.
size_t status_widths(const std::vector<ProcInfo>& infos, std::vector<size_t>& lengths) {
  size_t maxlen = 30;
  lengths.reserve(infos.size());
  for (const ProcInfo& info : infos) {
    lengths.push_back(namespec_length(info));
    maxlen = std::max(maxlen, lengths.back());
  }
  return maxlen + 3;
}

}  // namespace

std::vector<std::string> status_lines(const std::vector<ProcInfo>& infos) {
  std::vector<size_t> lengths;
  const size_t width = status_widths(infos, lengths);
  std::vector<std::string> lines(infos.size());
  for (size_t i = 0; i < infos.size(); ++i)
    append_status_line(lines[i], infos[i], lengths[i], width);
  return lines;
}

std::string status_text(const std::vector<ProcInfo>& infos) {
  std::vector<size_t> lengths;
  const size_t width = status_widths(infos, lengths);
  size_t size = 0;
  for (const ProcInfo& info : infos)
    size += width + std::max<size_t>(info.statename.size(), 10) + info.description.size() + 1;
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < infos.size(); ++i) {
    append_status_line(out, infos[i], lengths[i], width);
    out += '\n';
  }
  return out;
}

std::string avail_line(const ConfigInfo& info) {
  return ljust(namespec::make(info.group, info.name), 32) + " " +
         ljust(info.inuse ? "in use" : "avail", 9) + " " +
         ljust(info.autostart ? "auto" : "manual", 9) + " " + std::to_string(info.group_prio) +
         ":" + std::to_string(info.process_prio);
}

std::optional<std::string> start_result(const ResultRow& row) {
  std::string name = namespec::make(row.group, row.name);
  const char* why = nullptr;
  switch (static_cast<Fault>(row.status)) {
    case Fault::BadName:
      why = "no such process";
      break;
    case Fault::NoFile:
      why = "no such file";
      break;
    case Fault::NotExecutable:
      why = "file is not executable";
      break;
    case Fault::AlreadyStarted:
      why = "already started";
      break;
    case Fault::SpawnError:
      why = "spawn error";
      break;
    case Fault::AbnormalTermination:
      why = "abnormal termination";
      break;
    case Fault::Success:
      return name + ": started";
    default:
      return std::nullopt;
  }
  return name + ": ERROR (" + why + ")";
}

std::optional<std::string> signal_result(const ResultRow& row, std::string_view success) {
  std::string name = namespec::make(row.group, row.name);
  switch (static_cast<Fault>(row.status)) {
    case Fault::BadName:
      return name + ": ERROR (no such process)";
    case Fault::BadSignal:
      return name + ": ERROR (bad signal name)";
    case Fault::NotRunning:
      return name + ": ERROR (not running)";
    case Fault::Success:
      return name + ": " + std::string(success);
    case Fault::Failed:
      return row.description;
    default:
      return std::nullopt;
  }
}

std::optional<std::string> stop_result(const ResultRow& row) {
  return signal_result(row, "stopped");
}

std::optional<std::string> clear_result(const ResultRow& row) {
  std::string name = namespec::make(row.group, row.name);
  switch (static_cast<Fault>(row.status)) {
    case Fault::BadName:
      return name + ": ERROR (no such process)";
    case Fault::Failed:
      return name + ": ERROR (failed)";
    case Fault::Success:
      return name + ": cleared";
    default:
      return std::nullopt;
  }
}

std::string unknown_result_code(const ResultRow& row) {
  return "Unknown result code " + std::to_string(row.status) + " for " +
         namespec::make(row.group, row.name);
}

std::string start_failure_line(const ResultRow& row, const ProcInfo& info,
                               std::string_view last_output) {
  std::string base = *start_result(row);  // "...: ERROR (spawn error)"
  base.pop_back();                        // reopen the parentheses
  std::string why;
  // A retry may already be STARTING (pid set): stop >= start still means the
  // last run ended after the last spawn.
  // A process still waiting for its dependencies (depends_on) says for which.
  if (info.description.rfind("waiting for ", 0) == 0) return base + ": " + info.description + ")";
  bool ran = info.start > 0 && info.stop >= info.start;
  bool spawn_failed =
      info.spawnerr.rfind("can't", 0) == 0 || info.spawnerr.rfind("couldn't", 0) == 0;
  if (ran && !spawn_failed) {
    // Python's supervisord reports exitstatus 0 for "Exited too quickly": the
    // status is then unknown, so say only that it exited.
    if (info.exitstatus == -1) {
      why = "killed by a signal";
    } else if (info.exitstatus != 0) {
      why = "exited with status " + std::to_string(info.exitstatus);
    } else {
      why = "exited";
    }
    why += " after " + std::to_string(info.stop - info.start) + " s";
  } else if (!info.spawnerr.empty()) {
    why = info.spawnerr;
  }
  if (!last_output.empty()) {
    if (!why.empty()) why += "; ";
    why += last_output;
  }
  if (!why.empty()) base += ": " + why;
  return base + ")";
}

std::vector<std::string> reread_lines(const std::vector<std::string>& added,
                                      const std::vector<std::string>& changed,
                                      const std::vector<std::string>& removed) {
  // Python builds a dict in the order added, changed, removed: a later kind wins.
  std::map<std::string, std::string> kinds;
  for (const auto& n : added) kinds[n] = "available";
  for (const auto& n : changed) kinds[n] = "changed";
  for (const auto& n : removed) kinds[n] = "disappeared";
  if (kinds.empty()) return {"No config updates to processes"};
  std::vector<std::string> lines;
  for (const auto& [name, kind] : kinds) lines.push_back(name + ": " + kind);
  return lines;
}

std::string print_topics(std::string_view header, const std::vector<std::string>& names,
                         size_t width) {
  std::string out;
  if (names.empty()) return out;
  out += header;
  out += '\n';
  out += std::string(header.size(), '=');
  out += '\n';
  // cmd.Cmd.columnize with displaywidth = width - 1: the fewest rows whose columns fit.
  const size_t display = width - 1;
  const size_t size = names.size();
  size_t nrows = 0, ncols = 1;
  std::vector<size_t> colwidths;
  for (nrows = 1; nrows < size; ++nrows) {
    ncols = (size + nrows - 1) / nrows;
    colwidths.clear();
    long total = -2;
    for (size_t col = 0; col < ncols; ++col) {
      size_t w = 0;
      for (size_t row = 0; row < nrows; ++row) {
        size_t i = row + nrows * col;
        if (i >= size) break;
        w = std::max(w, names[i].size());
      }
      colwidths.push_back(w);
      total += static_cast<long>(w) + 2;
      if (total > static_cast<long>(display)) break;
    }
    if (total <= static_cast<long>(display)) break;
  }
  if (nrows >= size) {
    nrows = size;
    ncols = 1;
    colwidths.assign(1, 0);
  }
  for (size_t row = 0; row < nrows; ++row) {
    std::vector<std::string> texts;
    for (size_t col = 0; col < ncols; ++col) {
      size_t i = row + nrows * col;
      texts.push_back(i < size ? names[i] : std::string());
    }
    while (!texts.empty() && texts.back().empty()) texts.pop_back();
    for (size_t col = 0; col < texts.size(); ++col) {
      if (col > 0) out += "  ";
      out += ljust(texts[col], col < colwidths.size() ? colwidths[col] : 0);
    }
    out += '\n';
  }
  out += '\n';
  return out;
}

std::string fault_repr(int fault_code, std::string_view fault_string) {
  return "<Fault " + std::to_string(fault_code) + ": " + pystr::repr(fault_string) + ">";
}

std::string errno_class(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "ConnectionRefusedError";
    case ENOENT:
      return "FileNotFoundError";
    case EACCES:
    case EPERM:
      return "PermissionError";
    case ECONNRESET:
      return "ConnectionResetError";
    case EPIPE:
      return "BrokenPipeError";
    case ETIMEDOUT:
      return "TimeoutError";
    default:
      return "OSError";
  }
}

std::string errno_message(int err) {
  return "[Errno " + std::to_string(err) + "] " + std::strerror(err);
}

std::string python_error(std::string_view cls, std::string_view message, PyErrorSite site) {
  const char* where = "";
  switch (site) {
    case PyErrorSite::XmlrpcClientFault:
      where = "/usr/lib/python3.11/xmlrpc/client.py line: 668";
      break;
    case PyErrorSite::SupervisorTransport:
      where = "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py line: 539";
      break;
    case PyErrorSite::UnixConnect:
      where = "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py line: 557";
      break;
    case PyErrorSite::TcpConnect:
      where = "/usr/lib/python3.11/socket.py line: 836";
      break;
    case PyErrorSite::CtlValueError:
      where = "/usr/lib/python3/dist-packages/supervisor/supervisorctl.py line: 726";
      break;
    case PyErrorSite::CtlRawInput:
      where = "/usr/lib/python3/dist-packages/supervisor/supervisorctl.py line: 212";
      break;
    case PyErrorSite::Getpass:
      where = "/usr/lib/python3.11/getpass.py line: 148";
      break;
  }
  return "error: <class '" + std::string(cls) + "'>, " + std::string(message) + ": file: " + where;
}

void exit_status_from_fault(int& status, int fault_code, std::optional<int> ignored) {
  if (fault_code == code(Fault::Success) || (ignored && fault_code == *ignored)) return;
  if (fault_code == code(Fault::SpawnError) || fault_code == code(Fault::AbnormalTermination) ||
      fault_code == code(Fault::NotRunning)) {
    status = kExitNotRunning;
  } else {
    status = kExitGeneric;
  }
}

}  // namespace ctl

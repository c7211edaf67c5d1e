// faults.h — numbered faults, the RPC error vocabulary: Supervisor 4.2.5's codes and names.
// faultString is "NAME" or "NAME: detail". Shared by daemon (raises) and client (renders).
#pragma once

#include <string>
#include <string_view>

enum class Fault : int {
  UnknownMethod = 1,
  IncorrectParameters = 2,
  BadArguments = 3,
  SignatureUnsupported = 4,
  ShutdownState = 6,
  BadName = 10,
  BadSignal = 11,
  NoFile = 20,
  NotExecutable = 21,
  Failed = 30,
  AbnormalTermination = 40,
  SpawnError = 50,
  AlreadyStarted = 60,
  NotRunning = 70,
  Success = 80,
  AlreadyAdded = 90,
  StillRunning = 91,
  CantReread = 92,
};

constexpr std::string_view fault_name(Fault f) {
  switch (f) {
    case Fault::UnknownMethod:
      return "UNKNOWN_METHOD";
    case Fault::IncorrectParameters:
      return "INCORRECT_PARAMETERS";
    case Fault::BadArguments:
      return "BAD_ARGUMENTS";
    case Fault::SignatureUnsupported:
      return "SIGNATURE_UNSUPPORTED";
    case Fault::ShutdownState:
      return "SHUTDOWN_STATE";
    case Fault::BadName:
      return "BAD_NAME";
    case Fault::BadSignal:
      return "BAD_SIGNAL";
    case Fault::NoFile:
      return "NO_FILE";
    case Fault::NotExecutable:
      return "NOT_EXECUTABLE";
    case Fault::Failed:
      return "FAILED";
    case Fault::AbnormalTermination:
      return "ABNORMAL_TERMINATION";
    case Fault::SpawnError:
      return "SPAWN_ERROR";
    case Fault::AlreadyStarted:
      return "ALREADY_STARTED";
    case Fault::NotRunning:
      return "NOT_RUNNING";
    case Fault::Success:
      return "SUCCESS";
    case Fault::AlreadyAdded:
      return "ALREADY_ADDED";
    case Fault::StillRunning:
      return "STILL_RUNNING";
    case Fault::CantReread:
      return "CANT_REREAD";
  }
  return "UNKNOWN";
}

// "NAME" or "NAME: detail".
inline std::string fault_string(Fault f, std::string_view detail = {}) {
  std::string s(fault_name(f));
  if (!detail.empty()) {
    s += ": ";
    s += detail;
  }
  return s;
}

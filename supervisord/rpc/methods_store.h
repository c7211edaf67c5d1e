// methods_store.h — the store's extension XML-RPC methods (state issue):
// supervisor.getProcessHistory(name, limit) and supervisor.getDaemonDiagnosis() (state
// file and crash recovery, for `supervisorctl why` without a name). Additive: no
// Supervisor method changes.
#pragma once

#include "supervisord/rpc/dispatch.h"

namespace store {
class Recovery;
class Store;
}  // namespace store

namespace rpc {

// Upper bound of `limit` (a bigger one is clamped, not refused).
inline constexpr int kMaxHistoryLimit = 10000;

void register_store_methods(Dispatcher& d, store::Store& store, const store::Recovery& recovery);

}  // namespace rpc

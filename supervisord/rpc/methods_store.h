// methods_store.h — the store's extension XML-RPC method (state issue):
// supervisor.getProcessHistory(name, limit). Additive: no Supervisor method changes.
#pragma once

#include "supervisord/rpc/dispatch.h"

namespace store {
class Store;
}

namespace rpc {

// Upper bound of `limit` (a bigger one is clamped, not refused).
inline constexpr int kMaxHistoryLimit = 10000;

void register_store_methods(Dispatcher& d, store::Store& store);

}  // namespace rpc

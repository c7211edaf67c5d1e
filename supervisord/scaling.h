// scaling.h — runtime scaling of an instance group (extension): the instance count chosen
// with `supervisorctl scale` is kept in the state store and applied to every later load of
// the config (reread/update, daemon restarts) until the file's own numprocs changes.
// Store keys: "<program>" = the count, "<program>:numprocs" = the file's numprocs when the
// count was set (':' cannot appear in a program name). Depends on the loader and the store;
// must not depend on: HTTP/XML-RPC, the Supervisor object.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "supervisord/config/loader.h"
#include "supervisord/config/model.h"

namespace store {
class Store;
}

namespace scaling {

// Loads the config with the store's counts. A count whose recorded numprocs is not the
// file's any more (or whose program is gone) is forgotten: the file wins again.
Result<std::shared_ptr<const config::Config>> load(const config::LoadOptions& base,
                                                   store::Store& store);

// Records `count` for `program` whose file numprocs is `file_numprocs` (count ==
// file_numprocs forgets it: back to the file).
void remember(store::Store& store, const std::string& program, int count, int file_numprocs);

// "6" -> 6, "+2"/"-2" relative to `current`; error text for anything else.
Result<int> parse_count(const std::string& text, int current);

}  // namespace scaling

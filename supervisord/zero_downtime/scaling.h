// scaling.h — runtime scaling of an instance group (extension): the instance count chosen
// with `supervisorctl scale` is kept in the state store and applied to every later load of
// the config (reread/update, daemon restarts) until the file's own numprocs changes.
// Store keys: "<program>" = the count, "<program>:numprocs" = the file's numprocs when the
// count was set (':' cannot appear in a program name). A count is applied with
// config::rescale to the loaded model: the files are read once per load. Depends on the
// loader and the store; must not depend on: HTTP/XML-RPC, the Supervisor object.
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

// `loaded` with the store's counts applied (config::rescale of each group made of that
// [program:x]). A count whose recorded numprocs is not the file's any more, whose program
// is gone or cannot be rescaled is forgotten: the file wins again (a count the section
// cannot take adds a line to Config::warnings). Without a count to apply, `loaded` itself.
std::shared_ptr<const config::Config> apply_counts(std::shared_ptr<const config::Config> loaded,
                                                   store::Store& store);

// config::load (the files are read once), then apply_counts.
Result<std::shared_ptr<const config::Config>> load(const config::LoadOptions& base,
                                                   store::Store& store);

// Records `count` for `program` whose file numprocs is `file_numprocs` (count ==
// file_numprocs forgets it: back to the file).
void remember(store::Store& store, const std::string& program, int count, int file_numprocs);

// "6" -> 6, "+2"/"-2" relative to `current`; error text for anything else.
Result<int> parse_count(const std::string& text, int current);

}  // namespace scaling

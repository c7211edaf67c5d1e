// sample.h — the annotated sample config that `supervisord --sample-config` and
// `echo_supervisord_conf` print: every section and every option of schema::rows(), each
// with its default and the row's doc line, so the sample cannot lag behind the loader.
// Pure text generation: depends on config/schema only, writes no files.
#pragma once

#include <string>

namespace config {

struct SampleOptions {
  // false: a usable config (socket, logs and pidfile under /tmp; program sections and
  // optional options commented out). true: every section and option active with its
  // default or an example value (for tests: the result must still load).
  bool activate_all = false;
};

std::string sample_config(const SampleOptions& options = {});

}  // namespace config

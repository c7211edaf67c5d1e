// config/echo_supervisord_conf.cc — prints the sample config (as Supervisor's script of that name
// does); the text is config::sample_config(), the same as `supervisord --sample-config`.
#include <iostream>

#include "supervisord/config/sample.h"

int main() {
  std::cout << config::sample_config();
  return std::cout.good() ? 0 : 1;
}

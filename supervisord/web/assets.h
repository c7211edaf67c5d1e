// assets.h — the stylesheet and the script of the web interface, compiled in.
#pragma once

#include <string_view>

namespace web {

extern const std::string_view kStylesheet;
extern const std::string_view kScript;

}  // namespace web

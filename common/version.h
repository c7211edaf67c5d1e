// version.h — the Supervisor version this daemon answers as (getSupervisorVersion, the
// web page's footer).
#pragma once

inline constexpr const char* kSupervisorVersion = "4.2.5";

// sha1.h — SHA-1 (FIPS 180-4), only for checking Supervisor's "{SHA}<hex>" passwords.
// Not for anything new: SHA-1 is kept for compatibility. Pure, standard library only.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sha1 {

using Digest = std::array<uint8_t, 20>;

Digest digest(std::string_view data);
// Lowercase hex, as Python's hashlib.sha1(...).hexdigest().
std::string hex_digest(std::string_view data);

}  // namespace sha1

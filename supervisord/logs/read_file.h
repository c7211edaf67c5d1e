// read_file.h — Supervisor's readFile and tailFile, the byte arithmetic
// behind readLog, read/tailProcess*Log. Pure file reads: no libuv, no RPC types; faults are
// Supervisor's numbers (common/faults.h) so handlers pass them straight through.
//
// Different on purpose (see README.md): Supervisor fails with HTTP 500 when the bytes it
// returns are not valid UTF-8 (a tail that cuts a multibyte character, binary output).
// We return the text with each invalid sequence replaced by U+FFFD instead, like Python's
// errors='replace' (utf8::replace_invalid); offsets stay byte offsets of the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/faults.h"

namespace logs {

struct ReadResult {
  int fault = 0;        // 0, or BAD_ARGUMENTS (3), NO_FILE (20), FAILED (30)
  std::string message;  // faultString detail: the path for NO_FILE, else ""
  std::string data;     // valid UTF-8
  bool ok() const { return fault == 0; }
};

// readFile(path, offset, length):
//   offset >= 0: length 0 -> to EOF; length > 0 -> up to length bytes; length < 0 -> BAD_ARGUMENTS
//   offset <  0: length must be 0 (else BAD_ARGUMENTS) -> last |offset| bytes
//   offset past EOF -> "". Missing file (or empty path: NONE) -> NO_FILE, detail the path or
//   "None" as Supervisor prints it. Unreadable -> FAILED.
ReadResult read_file(const std::string& path, int64_t offset, int64_t length);

struct TailResult {
  std::string data;       // valid UTF-8
  int64_t offset = 0;     // the file size: where the next tail starts
  bool overflow = false;  // the file grew past offset + length
};

// tailFile(path, offset, length): never faults. Missing file (or "") -> ["", 0, false];
// unreadable -> ["", offset, false]; else the last min(length, size) bytes unless
// offset >= size, with offset = size and overflow = size > offset + length.
TailResult tail_file(const std::string& path, int64_t offset, int64_t length);

}  // namespace logs

// temp_dir.h — test support: a temporary directory removed with everything in it when the
// test ends, and a whole-file read. Shared by the unit tests that write files.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

struct TempDir {
  std::string path;
  // `prefix` names the test in /tmp, e.g. "logs_child" -> /tmp/logs_child_Ab12Cd.
  explicit TempDir(const std::string& prefix = "unit") {
    std::string tmpl = "/tmp/" + prefix + "_XXXXXX";
    if (char* made = ::mkdtemp(tmpl.data()))
      path = made;
    else
      std::perror("mkdtemp");
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path + "/" + name; }
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Whole-file reads with typed errors and a size bound.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

// Reads a whole file; files above `max_bytes` are refused rather than loaded.
[[nodiscard]] inline result<std::string> read_file(const std::string& path, std::size_t max_bytes = std::size_t{1} << 31) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(errc::io_error, "cannot open " + path + ": " + std::strerror(errno));
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    if (n > 0) {
      if (data.size() + n > max_bytes) {
        std::fclose(f);
        return make_error(errc::limit_exceeded, path + " is larger than " + std::to_string(max_bytes) + " bytes");
      }
      data.append(buf, n);
    }
    if (n < sizeof buf) break;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return make_error(errc::io_error, "error reading " + path);
  return data;
}

}  // namespace detail
TOKENMETER_END_NAMESPACE

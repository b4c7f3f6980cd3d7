// Whole-file reads with typed errors and a size bound, and the block reader they are made of.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

// An open file read in blocks, so a reader need not hold all of it.
class file_reader {
 public:
  [[nodiscard]] static result<file_reader> open(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return make_error(errc::io_error, "cannot open " + path + ": " + std::strerror(errno));
    return file_reader(f, path);
  }
  // Standard input (not closed at the end), named "-" in errors.
  [[nodiscard]] static file_reader standard_input() { return file_reader(stdin, "-"); }
  file_reader(file_reader&& o) noexcept : f_(o.f_), path_(std::move(o.path_)) { o.f_ = nullptr; }
  file_reader& operator=(file_reader&&) = delete;
  file_reader(const file_reader&) = delete;
  file_reader& operator=(const file_reader&) = delete;
  ~file_reader() {
    if (f_ != nullptr && f_ != stdin) std::fclose(f_);
  }

  // Appends up to n bytes to out; returns how many (0: the file has ended).
  [[nodiscard]] result<std::size_t> read_into(std::string& out, std::size_t n) {
    const std::size_t had = out.size();
    out.resize(had + n);
    std::size_t got = 0;
    while (got < n) {
      const std::size_t k = std::fread(out.data() + had + got, 1, n - got, f_);
      got += k;
      if (k == 0) break;
    }
    out.resize(had + got);
    if (got < n && std::ferror(f_) != 0) return make_error(errc::io_error, "error reading " + path_);
    return got;
  }

 private:
  file_reader(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  std::FILE* f_;
  std::string path_;
};

// Reads a whole file; files above `max_bytes` are refused rather than loaded.
[[nodiscard]] inline result<std::string> read_file(const std::string& path, std::size_t max_bytes = std::size_t{1} << 31) {
  TOKENMETER_TRY(f, file_reader::open(path));
  std::string data;
  for (;;) {
    TOKENMETER_TRY(n, f.read_into(data, std::size_t{1} << 16));
    if (data.size() > max_bytes) return make_error(errc::limit_exceeded, path + " is larger than " + std::to_string(max_bytes) + " bytes");
    if (n == 0) return data;
  }
}

}  // namespace detail
TOKENMETER_END_NAMESPACE

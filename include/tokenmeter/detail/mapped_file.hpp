// A read-only memory mapping of a whole file (POSIX), pre-faulted with MAP_POPULATE so the
// pages arrive in one batch rather than one fault each.
#pragma once

#include <tokenmeter/config.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

class mapped_file {
 public:
  // The mapping, or nullptr if the file cannot be opened or mapped.
  static std::shared_ptr<const mapped_file> open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
      ::close(fd);
      return nullptr;
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return nullptr;
    return std::shared_ptr<const mapped_file>(new mapped_file(p, size));
  }
  ~mapped_file() { ::munmap(p_, size_); }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;

  [[nodiscard]] std::string_view bytes() const noexcept { return {static_cast<const char*>(p_), size_}; }

 private:
  mapped_file(void* p, std::size_t n) : p_(p), size_(n) {}
  void* p_;
  std::size_t size_;
};

}  // namespace detail
TOKENMETER_END_NAMESPACE

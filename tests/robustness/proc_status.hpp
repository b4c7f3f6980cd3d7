// A field of /proc/self/status in KiB -- VmRSS (resident), VmHWM (its peak), RssAnon (the
// resident part that is the process's own: heap and private maps, not shared library code or
// mapped files) -- or -1 where there is none (not Linux). Read by the memory tests and by
// bench/robustness.
#pragma once

#include <cstring>
#include <fstream>
#include <string>

namespace tokenmeter_robustness {

// `key` with its colon: "VmRSS:".
inline long status_kib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::strlen(key)));
  return -1;
}

}  // namespace tokenmeter_robustness

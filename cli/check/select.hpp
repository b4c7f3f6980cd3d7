// Which files `tokenmeter check` reads: paths, directories and globs relative to a root, minus
// exclude patterns; the result is sorted bytewise so every run lists files in the same order.
//
// Globs: `*` and `?` and `[...]` stay within one path segment, `**` spans any number of
// segments. An exclude without '/' names a file or directory anywhere (`node_modules`,
// `*.min.js`); one with '/' is matched against the path and each of its parent directories.
#pragma once

#include <tokenmeter/error.hpp>

#include <fnmatch.h>

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tokenmeter_cli::check {

namespace fs = std::filesystem;

inline std::vector<std::string_view> split_segments(std::string_view p) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= p.size()) {
    const std::size_t slash = p.find('/', pos);
    const std::size_t end = slash == std::string_view::npos ? p.size() : slash;
    if (end > pos) out.push_back(p.substr(pos, end - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

inline bool has_glob_chars(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

inline bool segment_matches(std::string_view pattern, std::string_view name) {
  // Like gitignore, `*` also matches names starting with '.' (.cursorrules, .github).
  const std::string p(pattern), n(name);
  return fnmatch(p.c_str(), n.c_str(), 0) == 0;
}

// Matches path segments against pattern segments, `**` spanning zero or more segments.
inline bool glob_matches(const std::vector<std::string_view>& pat, std::size_t pi, const std::vector<std::string_view>& path, std::size_t si) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      for (std::size_t k = si; k <= path.size(); ++k)
        if (glob_matches(pat, pi + 1, path, k)) return true;
      return false;
    }
    if (si >= path.size() || !segment_matches(pat[pi], path[si])) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

inline bool glob_matches(std::string_view pattern, std::string_view path) {
  return glob_matches(split_segments(pattern), 0, split_segments(path), 0);
}

// "./a//b/" -> "a/b"; "." -> "".
inline std::string normalize_rel(std::string_view p) {
  std::string out;
  for (std::string_view seg : split_segments(p)) {
    if (seg == ".") continue;
    if (!out.empty()) out += '/';
    out += seg;
  }
  return out;
}

class selector {
 public:
  enum class kind { file, dir, glob };
  struct rule {
    kind k;
    std::string path;  // root-relative, normalized; for globs the pattern
  };

  void add_include(kind k, std::string path) { includes_.push_back({k, normalize_rel(path)}); }
  void add_exclude(std::string_view pattern) {
    std::string p(pattern);
    while (!p.empty() && p.back() == '/') p.pop_back();
    if (p.rfind("./", 0) == 0) p = normalize_rel(p);
    if (!p.empty()) excludes_.push_back(std::move(p));
  }
  [[nodiscard]] const std::vector<rule>& includes() const noexcept { return includes_; }
  [[nodiscard]] const std::vector<std::string>& excludes() const noexcept { return excludes_; }

  [[nodiscard]] bool excluded(std::string_view rel) const {
    const auto segs = split_segments(rel);
    for (const std::string& e : excludes_) {
      if (e.find('/') == std::string::npos) {
        for (std::string_view s : segs)
          if (segment_matches(e, s)) return true;
        continue;
      }
      const auto pat = split_segments(e);
      for (std::size_t n = 1; n <= segs.size(); ++n)
        if (glob_matches(pat, 0, std::vector<std::string_view>(segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(n)), 0)) return true;
    }
    return false;
  }

  // Whether a root-relative file path is selected (used for files listed at a git base).
  [[nodiscard]] bool selects(std::string_view rel) const {
    for (const rule& r : includes_)
      if (r.k == kind::file && rel == r.path) return true;  // named explicitly: as in list()
    if (excluded(rel)) return false;
    for (const rule& r : includes_) {
      switch (r.k) {
        case kind::file:
          break;
        case kind::dir:
          if (r.path.empty() || (rel.size() > r.path.size() && rel.substr(0, r.path.size()) == r.path && rel[r.path.size()] == '/')) return true;
          break;
        case kind::glob:
          if (glob_matches(r.path, rel)) return true;
          break;
      }
    }
    return false;
  }

  // Lists the selected files under `root` (sorted, unique, root-relative with '/'). Named files
  // that are missing are an io_error; a glob that matches nothing is reported in `unmatched`.
  [[nodiscard]] tokenmeter::result<std::vector<std::string>> list(const fs::path& root, std::vector<std::string>& unmatched) const {
    std::set<std::string> found;
    for (const rule& r : includes_) {
      bool matched = false;
      if (r.k == kind::file) {
        std::error_code ec;
        if (!fs::is_regular_file(root / r.path, ec))
          return tokenmeter::make_error(tokenmeter::errc::io_error, r.path + ": no such file");
        found.insert(r.path);  // named explicitly: counted even when an exclude would drop it
        continue;
      }
      // Walk from the longest literal directory prefix of the pattern.
      std::string start;
      if (r.k == kind::dir) {
        start = r.path;
      } else {
        for (std::string_view seg : split_segments(r.path)) {
          if (has_glob_chars(seg)) break;
          start += (start.empty() ? "" : "/") + std::string(seg);
        }
      }
      std::error_code ec;
      const fs::path dir = start.empty() ? root : root / start;
      if (!fs::is_directory(dir, ec)) {
        if (r.k == kind::dir) return tokenmeter::make_error(tokenmeter::errc::io_error, r.path + ": no such directory");
        if (fs::is_regular_file(dir, ec) && selects(start)) {
          found.insert(start);
          matched = true;
        }
        if (!matched) unmatched.push_back(r.path);
        continue;
      }
      fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
      if (ec) return tokenmeter::make_error(tokenmeter::errc::io_error, dir.string() + ": " + ec.message());
      for (; it != end; it.increment(ec)) {
        if (ec) return tokenmeter::make_error(tokenmeter::errc::io_error, dir.string() + ": " + ec.message());
        const std::string rel = normalize_rel(it->path().lexically_relative(root).generic_string());
        const auto st = it->symlink_status(ec);
        if (fs::is_directory(st)) {
          // Version-control metadata is never a prompt; excluded directories are not entered.
          const std::string name = it->path().filename().string();
          if (name == ".git" || name == ".hg" || name == ".svn" || excluded(rel)) it.disable_recursion_pending();
          continue;
        }
        if (!fs::is_regular_file(st)) continue;  // symlinks, sockets, devices: not followed
        if (r.k == kind::dir ? !excluded(rel) : (glob_matches(r.path, rel) && !excluded(rel))) {
          found.insert(rel);
          matched = true;
        }
      }
      if (!matched && r.k == kind::glob) unmatched.push_back(r.path);
    }
    return std::vector<std::string>(found.begin(), found.end());
  }

 private:
  std::vector<rule> includes_;
  std::vector<std::string> excludes_;
};

// git's heuristic: a NUL byte in the first 8000 bytes means binary.
inline bool looks_binary(std::string_view data) {
  return data.substr(0, 8000).find('\0') != std::string_view::npos;
}

}  // namespace tokenmeter_cli::check

// Reading the selected files as they were at a git ref (`tokenmeter check --base REF`): one
// `git ls-tree` for the listing and one `git cat-file --batch` for every blob, so a tree of
// thousands of files costs two processes, not one `git show` per file.
#pragma once

#include "select.hpp"

#include <tokenmeter/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace tokenmeter_cli::check {

struct process_result {
  int status = -1;  // exit status, or -1 when killed by a signal
  std::string out, err;
};

// Runs argv (searched in PATH) with `input` on its stdin; captures stdout and stderr. No shell.
inline tokenmeter::result<process_result> run_process(const std::vector<std::string>& argv, const std::string& input = {}) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
    return tokenmeter::make_error(tokenmeter::errc::io_error, std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    return tokenmeter::make_error(tokenmeter::errc::io_error, "cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  // The writer runs beside the reader: a large request list must not deadlock on a full pipe.
  std::thread writer([fd = in[1], &input] {
    std::size_t off = 0;
    while (off < input.size()) {
      const ssize_t n = ::write(fd, input.data() + off, input.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  process_result r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[1 << 16];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  writer.join();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// One selected file as it was at the base ref.
struct base_file {
  std::string path;  // root-relative, like the working-tree listing
  std::string data;
};

// Reads every file the selector picks from `ref`, for a root inside a git work tree. A bad ref or
// a root outside a repository is an invalid_argument (the caller's configuration, exit 2).
inline tokenmeter::result<std::vector<base_file>> read_base(const fs::path& root, const std::string& ref, const selector& sel) {
  const std::string dir = root.string();
  auto git = [&](std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), {"git", "-C", dir});
    return run_process(args, input);
  };
  auto failed = [&](const process_result& p, const std::string& what) {
    std::string msg = p.err;
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
    return tokenmeter::make_error(tokenmeter::errc::invalid_argument, "--base " + ref + ": " + what + (msg.empty() ? "" : ": " + msg));
  };
  auto prefix = git({"rev-parse", "--show-prefix"});
  if (!prefix) return std::move(prefix).error_value();
  if (prefix->status != 0) return failed(*prefix, dir + " is not inside a git work tree");
  std::string pre = prefix->out;
  while (!pre.empty() && pre.back() == '\n') pre.pop_back();
  auto commit = git({"rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"});
  if (!commit) return std::move(commit).error_value();
  if (commit->status != 0) return failed(*commit, "not a commit in this repository");
  std::string oid_of_ref = commit->out;
  while (!oid_of_ref.empty() && oid_of_ref.back() == '\n') oid_of_ref.pop_back();

  auto tree = git({"ls-tree", "-r", "-z", "--full-tree", oid_of_ref});
  if (!tree) return std::move(tree).error_value();
  if (tree->status != 0) return failed(*tree, "git ls-tree failed");
  std::vector<base_file> files;
  std::string request;
  std::size_t pos = 0;
  const std::string& t = tree->out;
  while (pos < t.size()) {
    const std::size_t end = t.find('\0', pos);
    const std::string entry = t.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? t.size() : end + 1;
    // "<mode> SP <type> SP <oid> TAB <path>"; symlinks (120000) and submodules are not files.
    const std::size_t tab = entry.find('\t');
    if (tab == std::string::npos) continue;
    const std::string meta = entry.substr(0, tab), path = entry.substr(tab + 1);
    if (meta.rfind("100", 0) != 0) continue;
    if (path.size() <= pre.size() || path.compare(0, pre.size(), pre) != 0) continue;
    std::string rel = path.substr(pre.size());
    if (!sel.selects(rel)) continue;
    files.push_back({std::move(rel), {}});
    request += meta.substr(meta.rfind(' ') + 1) + "\n";
  }
  if (files.empty()) return files;
  auto blobs = git({"cat-file", "--batch"}, request);
  if (!blobs) return std::move(blobs).error_value();
  if (blobs->status != 0) return failed(*blobs, "git cat-file failed");
  // Each answer: "<oid> blob <size>\n" <size bytes> "\n", in request order.
  const std::string& b = blobs->out;
  pos = 0;
  for (base_file& f : files) {
    const std::size_t nl = b.find('\n', pos);
    if (nl == std::string::npos) return tokenmeter::make_error(tokenmeter::errc::io_error, "git cat-file: truncated output");
    const std::string header = b.substr(pos, nl - pos);
    const std::size_t sp = header.rfind(' ');
    if (header.find(" blob ") == std::string::npos || sp == std::string::npos)
      return tokenmeter::make_error(tokenmeter::errc::io_error, "git cat-file: unexpected answer '" + header + "'");
    const std::size_t size = std::stoull(header.substr(sp + 1));
    if (nl + 1 + size > b.size()) return tokenmeter::make_error(tokenmeter::errc::io_error, "git cat-file: truncated output");
    f.data = b.substr(nl + 1, size);
    pos = nl + 1 + size + 1;
  }
  std::sort(files.begin(), files.end(), [](const base_file& x, const base_file& y) { return x.path < y.path; });
  return files;
}

}  // namespace tokenmeter_cli::check

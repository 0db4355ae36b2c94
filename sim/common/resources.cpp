#include "resources.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#ifndef SOCKLAB_SOURCE_DIR
#define SOCKLAB_SOURCE_DIR ""
#endif

namespace fs = std::filesystem;

namespace socklab {
namespace {

bool looks_like_home(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::is_directory(p / "lessons", ec) && fs::is_directory(p / "assets", ec);
}

fs::path exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p.parent_path();
}

[[noreturn]] void fail_errno(std::string_view what, const fs::path& path) {
  throw std::runtime_error(fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

// Temp files of write_file_atomic for `target` are named
// ".<target>.tmp-<pid>-XXXXXX" (mkstemp's six characters); the writer holds
// flock() on its temp file until the rename. A writer killed before the
// rename leaves its temp file behind: the next save of the same target
// removes every such file whose writer is gone (no such process and no
// lock held). Files of writers still running are never touched.
std::string temp_prefix(const fs::path& target) {
  return fmt::format(".{}.tmp-", target.filename().string());
}

// The writer's pid from a temp file name, 0 for a name of the older format
// ".<target>.tmp-XXXXXX" (no pid), nullopt for a name that is not ours.
std::optional<long> temp_owner(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  std::string_view rest = name.substr(prefix.size());
  if (rest.size() == 6 && rest.find('-') == std::string_view::npos) return 0;
  auto dash = rest.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 10 || rest.size() != dash + 7)
    return std::nullopt;
  long pid = 0;
  for (char c : rest.substr(0, dash)) {
    if (c < '0' || c > '9') return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

void remove_stale_temps(const fs::path& dir, const fs::path& target) {
  const std::string prefix = temp_prefix(target);
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    auto owner = temp_owner(name, prefix);
    if (!owner) continue;
    if (*owner == ::getpid()) continue;  // another thread of ours may be writing it
    if (*owner > 0 && (::kill(static_cast<pid_t>(*owner), 0) == 0 || errno == EPERM)) continue;
    int fd = ::open(it->path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::unlink(it->path().c_str());  // nobody writes it
    ::close(fd);
  }
}

}  // namespace

fs::path resource_dir() {
  std::string tried;
  if (const char* env = std::getenv("SOCKLAB_HOME"); env && *env) {
    if (looks_like_home(env)) return env;
    tried += fmt::format(" $SOCKLAB_HOME={}", env);
  }
  for (const fs::path& p : {fs::path(SOCKLAB_SOURCE_DIR), exe_dir() / ".." / "share" / "socklab",
                            exe_dir() / ".." / ".."}) {
    if (looks_like_home(p)) return fs::weakly_canonical(p);
    tried += fmt::format(" {}", p.string());
  }
  throw std::runtime_error(
      "cannot find socklab's lessons/ and assets/ (looked in:" + tried +
      "); set SOCKLAB_HOME to the socklab source directory");
}

fs::path lessons_dir() { return resource_dir() / "lessons"; }
fs::path scenarios_dir() { return resource_dir() / "lessons" / "scenarios"; }
fs::path assets_dir() { return resource_dir() / "assets"; }

fs::path data_dir() {
  fs::path base;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
    base = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    base = fs::path(h) / ".local" / "share";
  else
    base = fs::temp_directory_path();
  auto dir = base / "socklab";
  fs::create_directories(dir);
  return dir;
}

void write_file_atomic(const fs::path& path, std::string_view content, bool overwrite) {
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec))
    throw std::runtime_error(
        fmt::format("{} already exists (use --force to overwrite it)", path.string()));
  auto dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  remove_stale_temps(dir, path);
  std::string tmpl = (dir / fmt::format("{}{}-XXXXXX", temp_prefix(path), ::getpid())).string();
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) fail_errno("cannot create a temporary file next to", path);
  (void)::flock(fd, LOCK_EX);  // "still being written": see remove_stale_temps
  auto cleanup = [&] {
    ::close(fd);
    ::unlink(tmpl.c_str());
  };
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      cleanup();
      errno = e;
      fail_errno("cannot write", path);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  // Keep the target's permissions the usual ones for a user file (mkstemp uses 0600).
  (void)::fchmod(fd, 0644);
  if (::fsync(fd) < 0) {
    int e = errno;
    cleanup();
    errno = e;
    fail_errno("cannot fsync", path);
  }
  ::close(fd);
  if (!overwrite) {
    // link() fails if the target appeared meanwhile: no silent overwrite.
    if (::link(tmpl.c_str(), path.c_str()) < 0) {
      int e = errno;
      ::unlink(tmpl.c_str());
      errno = e;
      fail_errno("cannot create", path);
    }
    ::unlink(tmpl.c_str());
  } else if (::rename(tmpl.c_str(), path.c_str()) < 0) {
    int e = errno;
    ::unlink(tmpl.c_str());
    errno = e;
    fail_errno("cannot replace", path);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_errno("cannot read", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace socklab

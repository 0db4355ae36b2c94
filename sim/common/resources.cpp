#include "resources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
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
  std::string tmpl = (dir / fmt::format(".{}.tmp-XXXXXX", path.filename().string())).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) fail_errno("cannot create a temporary file next to", path);
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

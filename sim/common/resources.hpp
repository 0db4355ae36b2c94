// Where socklab finds its data (lessons/, assets/) and how it writes files
// without ever leaving a half-written one behind.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace socklab {

// The directory holding lessons/ and assets/. Looked up in order:
// $SOCKLAB_HOME, the source tree the binary was built from, then
// <exe>/../share/socklab. Throws std::runtime_error saying where it looked.
std::filesystem::path resource_dir();
std::filesystem::path lessons_dir();    // resource_dir()/lessons
std::filesystem::path scenarios_dir();  // resource_dir()/lessons/scenarios
std::filesystem::path assets_dir();     // resource_dir()/assets

// $XDG_DATA_HOME/socklab (or ~/.local/share/socklab), created if missing.
std::filesystem::path data_dir();

// Writes `content` to `path` atomically: a temp file in the same directory,
// fsync, rename over the target, fsync the directory. A crash at any point
// leaves either the old file or the new one, never a mix.
// With overwrite=false an existing target is an error (std::runtime_error).
// A writer killed mid-save (SIGKILL, power loss) can leave one temp file
// ".<name>.tmp-<pid>-XXXXXX" next to the target; the next save of the same
// target removes it (tests/reliability kills writers to check all this).
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       bool overwrite = true);

// Whole file as bytes; std::runtime_error naming the path and the errno text on failure.
std::string read_file(const std::filesystem::path& path);

}  // namespace socklab

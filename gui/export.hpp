// Exports from the window: PNG (window or one view, read back from the frame
// buffer), SVG ladder, pcap and the trace as JSON Lines (via sim/export).
// Files are written atomically; an existing file is replaced only when the
// user said so (`overwrite`).
#pragma once

#include <filesystem>
#include <string>

#include "run.hpp"

namespace socklab::gui {

inline constexpr int kExportPngWindow = 0;
inline constexpr int kExportSvg = 1;
inline constexpr int kExportPcap = 2;
inline constexpr int kExportJsonl = 3;
inline constexpr int kExportPngView0 = 10;  // + ViewId

const char* export_suffix(int kind);  // ".png", ".svg", ".pcap", ".jsonl"
const char* export_title(int kind);   // translated dialog title
bool export_available(int kind);      // SVG and pcap need socklab_export

// Writes a non-PNG export of `run` to `path`. False + message on failure.
bool write_export(int kind, const Run& run, const std::filesystem::path& path, bool overwrite,
                  std::string* error);

// The bytes of each export (tests use these directly).
std::string export_jsonl(const Run& run);
std::string export_svg(const Run& run);   // throws std::runtime_error if not built
std::string export_pcap(const Run& run);  // throws std::runtime_error if not built

}  // namespace socklab::gui

#include "export.hpp"

#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "common/resources.hpp"
#include "i18n.hpp"

#ifdef SOCKLAB_GUI_HAS_EXPORT
#include "export/ladder_svg.hpp"
#include "export/pcap.hpp"
#endif

namespace socklab::gui {

const char* export_suffix(int kind) {
  switch (kind) {
    case kExportSvg: return ".svg";
    case kExportPcap: return ".pcap";
    case kExportJsonl: return ".jsonl";
    default: return ".png";
  }
}

const char* export_title(int kind) {
  switch (kind) {
    case kExportPngWindow: return tr("Save the window as PNG");
    case kExportSvg: return tr("Save the sequence diagram as SVG");
    case kExportPcap: return tr("Save the packets as pcap");
    case kExportJsonl: return tr("Save the trace as JSON Lines");
    default: return tr("Save one view as PNG");
  }
}

bool export_available(int kind) {
#ifdef SOCKLAB_GUI_HAS_EXPORT
  (void)kind;
  return true;
#else
  return kind != kExportSvg && kind != kExportPcap;
#endif
}

namespace {
std::vector<std::string> lane_names(const Run& run) { return run.index.lanes(); }
}  // namespace

std::string export_jsonl(const Run& run) {
  std::ostringstream out;
  trace::write_jsonl(out, run.trace);
  return out.str();
}

std::string export_svg(const Run& run) {
#ifdef SOCKLAB_GUI_HAS_EXPORT
  exports::SvgLadderOptions o;
  o.hosts = lane_names(run);
  o.title = run.scenario.title;
  return exports::render_svg_ladder(run.trace, o);
#else
  (void)run;
  throw std::runtime_error("SVG export is not part of this build (sim/export)");
#endif
}

std::string export_pcap(const Run& run) {
#ifdef SOCKLAB_GUI_HAS_EXPORT
  exports::PcapOptions o;
  o.hosts = lane_names(run);
  o.mtu = run.params.mtu;
  return exports::pcap_bytes(run.trace, o);
#else
  (void)run;
  throw std::runtime_error("pcap export is not part of this build (sim/export)");
#endif
}

bool write_export(int kind, const Run& run, const std::filesystem::path& path, bool overwrite,
                  std::string* error) {
  try {
    std::string bytes;
    switch (kind) {
      case kExportSvg: bytes = export_svg(run); break;
      case kExportPcap: bytes = export_pcap(run); break;
      case kExportJsonl: bytes = export_jsonl(run); break;
      default: throw std::runtime_error("not a file export");
    }
    write_file_atomic(path, bytes, overwrite);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
}

}  // namespace socklab::gui

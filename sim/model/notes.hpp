// sim/model: the model's notes ("Nagle holds 10 bytes ...") as templates with
// an id, in English and Chinese. The model writes the English text into the
// trace event and keeps the id and the arguments in its extra fields
// ({"note": id, "args": {...}}), so a reader (the GUI) can show the note in
// the student's language without parsing English sentences.
//
// A template names its arguments: "{host}: Nagle holds {len} bytes". An
// argument is a string or an integer (times are passed already formatted,
// e.g. "40 ms").
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace socklab::sim::notes {

struct Template {
  std::string_view id;
  std::string_view en;
  std::string_view zh;
};

// Every note the model can write.
std::span<const Template> all();

// The template with this id, or nullptr.
const Template* find(std::string_view id);

// The note in English (zh = false) or Chinese. Throws std::invalid_argument
// for an unknown id, fmt::format_error for a missing argument.
std::string format(std::string_view id, const nlohmann::json& args, bool zh = false);

// For a trace event's extra: the Chinese text of a note written with an id,
// or "" when the event carries no id (older traces) or it cannot be formatted.
std::string zh_text(const nlohmann::json& extra);

}  // namespace socklab::sim::notes

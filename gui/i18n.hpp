// Interface language: one table from English label to Chinese, so every
// label goes through tr() instead of scattered `zh ? .. : ..` ternaries.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace socklab::gui {

enum class Lang { en, zh };

void set_language(Lang lang);
Lang language();
inline bool zh() { return language() == Lang::zh; }

// The label in the current language. `en` is the key (and the English text).
// A key with no Chinese entry falls back to English and is remembered, so a
// test can list labels nobody translated.
const char* tr(const char* en);

// Chooses between a data field and its _zh twin (scenario titles, checkpoint
// texts): the Chinese one when the language is zh and it is not empty.
const std::string& pick(const std::string& en, const std::string& zh_text);

// Keys looked up in zh mode that have no Chinese entry (for tests).
const std::set<std::string>& missing_translations();

}  // namespace socklab::gui

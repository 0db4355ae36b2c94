// The exercises, in the order of the lessons that introduce them.
#include "../check.hpp"
#include "common.hpp"

namespace socklab::check {

const std::vector<Exercise>& exercises() {
  static const std::vector<Exercise> all = {
      ex::tcp_client(),      ex::tcp_server(),         ex::echo_server(),
      ex::threaded_server(), ex::framed_echo_server(), ex::framed_client(),
      ex::udp_echo_server(), ex::udp_client(),         ex::select_server(),
      ex::http_get_client(), ex::chat_client(),
  };
  return all;
}

const Exercise* find_exercise(std::string_view name) {
  for (const auto& e : exercises())
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace socklab::check

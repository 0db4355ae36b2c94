// A GoogleTest parameter name from a scenario or lesson name: "write-write-read"
// becomes "write_write_read" (test names allow only letters, digits and '_').
#pragma once

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace socklab::testing {

struct DashedNameParam {
  std::string operator()(const ::testing::TestParamInfo<std::string>& info) const {
    std::string n = info.param;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
  }
};

}  // namespace socklab::testing

// error.hpp: every error code has its own name (the CLI prints it, the C API returns it), and the
// throwing layer keeps the code and message.
#include <tokenmeter/error.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using tokenmeter::errc;

TEST(error_codes, each_has_its_own_name) {
  std::set<std::string> names;
  const int last = static_cast<int>(errc::internal_error);
  for (int c = static_cast<int>(errc::invalid_argument); c <= last; ++c) {
    const std::string name(tokenmeter::to_string(static_cast<errc>(c)));
    EXPECT_NE(name, "unknown_error") << "code " << c;
    EXPECT_TRUE(names.insert(name).second) << name << " names two codes";
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(last));
  EXPECT_EQ(tokenmeter::to_string(static_cast<errc>(last + 1)), "unknown_error");
}

TEST(error_codes, the_exception_keeps_code_and_message) {
  const tokenmeter::exception e(tokenmeter::make_error(errc::internal_error, "chunk 2 of text 0 has no piece end at 9"));
  EXPECT_EQ(e.code(), errc::internal_error);
  EXPECT_EQ(e.err().message, "chunk 2 of text 0 has no piece end at 9");
  EXPECT_STREQ(e.what(), "internal_error: chunk 2 of text 0 has no piece end at 9");
}

}  // namespace

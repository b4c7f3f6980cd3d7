// error.hpp: every error code has its own name (the CLI prints it, the C API returns it), and the
// throwing layer keeps the code and message.
#include <tokenmeter/error.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

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

// A result never becomes another result's value: a failed result<void> returned from a function
// that returns result<bool> once compiled (through the explicit operator bool) and became `false`,
// so stream_counter::push answered "limit reached" for a stream over 4 GiB instead of failing.
static_assert(!std::is_constructible_v<tokenmeter::result<bool>, tokenmeter::result<void>>);
static_assert(!std::is_constructible_v<tokenmeter::result<bool>, tokenmeter::result<int>>);
static_assert(!std::is_convertible_v<std::optional<int>, tokenmeter::result<bool>>);
static_assert(!std::is_convertible_v<std::unique_ptr<int>, tokenmeter::result<bool>>);
static_assert(std::is_convertible_v<bool, tokenmeter::result<bool>>);
static_assert(std::is_convertible_v<tokenmeter::error, tokenmeter::result<bool>>);
static_assert(std::is_convertible_v<const char*, tokenmeter::result<std::string>>);

TEST(error_codes, a_failed_result_stays_an_error) {
  const auto forward = [](tokenmeter::result<void> r) -> tokenmeter::result<bool> {
    if (!r) return r.error_value();
    return true;
  };
  const tokenmeter::result<bool> r = forward(tokenmeter::make_error(errc::limit_exceeded, "too big"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error_value().code, errc::limit_exceeded);
}

TEST(error_codes, the_exception_keeps_code_and_message) {
  const tokenmeter::exception e(tokenmeter::make_error(errc::internal_error, "chunk 2 of text 0 has no piece end at 9"));
  EXPECT_EQ(e.code(), errc::internal_error);
  EXPECT_EQ(e.err().message, "chunk 2 of text 0 has no piece end at 9");
  EXPECT_STREQ(e.what(), "internal_error: chunk 2 of text 0 has no piece end at 9");
}

}  // namespace

// What a worker thread makes of an exception it must not let go: an allocation failure is
// limit_exceeded with a message short enough to need no memory; anything else internal_error.
namespace {

TEST(error_codes, an_exception_becomes_an_error_without_allocating_for_bad_alloc) {
  static_assert(noexcept(tokenmeter::error_from_exception(std::declval<const std::exception&>())));
  const tokenmeter::error oom = tokenmeter::error_from_exception(std::bad_alloc());
  EXPECT_EQ(oom.code, errc::limit_exceeded);
  EXPECT_EQ(oom.message, "out of memory");
  EXPECT_LE(oom.message.size(), std::string().capacity()) << "must fit the string's own buffer";
  const tokenmeter::error other = tokenmeter::error_from_exception(std::runtime_error("lost a lock"));
  EXPECT_EQ(other.code, errc::internal_error);
  EXPECT_EQ(other.message, "lost a lock");
}

}  // namespace

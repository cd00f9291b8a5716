#include "base/base64.h"

#include <gtest/gtest.h>

namespace carrier {
namespace {

TEST(Base64Test, RoundTripsAndRejectsGarbage) {
  const std::string samples[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                 std::string("\0\xff", 2)};
  for (const std::string& s : samples) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)).value_or("x"), s);
    EXPECT_EQ(Base64RawUrlDecode(Base64RawUrlEncode(s)).value_or("x"), s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64RawUrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64Decode("Zm8").has_value());     // missing padding
  EXPECT_FALSE(Base64Decode("Zm9=").has_value());    // stray bits
  EXPECT_FALSE(Base64Decode("Zm!v").has_value());    // not in the alphabet
  EXPECT_FALSE(Base64RawUrlDecode("Zm8=").has_value());
}

}  // namespace
}  // namespace carrier

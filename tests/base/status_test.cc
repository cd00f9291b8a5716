#include "base/status.h"

#include <gtest/gtest.h>

namespace carrier {
namespace {

TEST(StatusTest, MapsCodesToKubernetesReasons) {
  EXPECT_EQ(CodeReason(Code::kNotFound), "NotFound");
  EXPECT_EQ(CodeHttpStatus(Code::kNotFound), 404);
  EXPECT_EQ(CodeReason(Code::kGone), "Expired");
  EXPECT_EQ(CodeHttpStatus(Code::kGone), 410);
  EXPECT_EQ(CodeReason(Code::kInvalidArgument), "Invalid");
  EXPECT_EQ(CodeHttpStatus(Code::kInvalidArgument), 422);
  EXPECT_EQ(CodeHttpStatus(Code::kTooLarge), 413);
}

TEST(StatusTest, ResultHoldsValueOrError) {
  Result<int> value = 7;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 7);
  Result<int> error = NotFound("nope");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), Code::kNotFound);
  EXPECT_EQ(error.status().ToString(), "NotFound: nope");
}

}  // namespace
}  // namespace carrier

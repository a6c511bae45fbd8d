#include "auth/file_ownership.hpp"

#include <optional>

#include <gtest/gtest.h>

#include "core/ports/user_store.hpp"

namespace batchd::auth {
namespace {

const core::UserId kAdmin{"admin_user"};

TEST(FileOwnershipTest, AKeyBelongsToTheUserNamedByItsFirstSegment) {
    EXPECT_TRUE(OwnsFileKey(kAdmin, "admin_user/uploads/01H-a.csv"));
    EXPECT_TRUE(OwnsFileKey(kAdmin, "admin_user/exports/products/product-export-batch_1.csv"));
    EXPECT_TRUE(OwnsFileKey(kAdmin, "admin_user/x"));
}

TEST(FileOwnershipTest, NoOtherKeyBelongsToIt) {
    for (const char* key : {"member-user/uploads/a.csv", "admin_user", "admin_user/", "admin_users/a.csv",
                            "admin_use/a.csv", "uploads/a.csv", "/admin_user/a.csv", "admin_user\\a.csv",
                            "ADMIN_USER/a.csv", "", "_unowned/exports/a.csv"}) {
        EXPECT_FALSE(OwnsFileKey(kAdmin, key)) << key;
    }
}

TEST(FileOwnershipTest, AUserIdThatIsNotOnePlainSegmentOwnsNothing) {
    EXPECT_FALSE(OwnsFileKey(core::UserId{""}, "/a.csv"));
    EXPECT_FALSE(OwnsFileKey(core::UserId{"a/b"}, "a/b/c.csv"));
    EXPECT_FALSE(OwnsFileKey(core::UserId{".."}, "../c.csv"));
    EXPECT_FALSE(OwnsFileKey(core::UserId{"_unowned"}, "_unowned/exports/a.csv"));
}

TEST(FileOwnershipTest, SomeoneElsesKeyIsNotAllowedWithMedusasWording) {
    auto refused = CheckFileOwner(kAdmin, "member-user/uploads/a.csv");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, core::Errc::kNotAllowed);
    EXPECT_EQ(refused.error().detail, "Cannot access a file that does not belong to the logged in user");
    EXPECT_TRUE(CheckFileOwner(kAdmin, "admin_user/uploads/a.csv").has_value());
}

TEST(FileOwnershipTest, OwnedFileKeysStartWithTheOwnerOrAnUnownableSegment) {
    EXPECT_EQ(core::OwnedFileKey(kAdmin, "uploads"), "admin_user/uploads");
    EXPECT_EQ(core::OwnedFileKey(std::nullopt, "exports/x.csv"), "_unowned/exports/x.csv");
    EXPECT_FALSE(core::IsValidUserId(core::kUnownedFileSegment));
}

}  // namespace
}  // namespace batchd::auth

#pragma once

// The UserStore contract, instantiated with the same factories as the JobStore contract
// (job_store_contract.hpp says how): INSTANTIATE_TYPED_TEST_SUITE_P(Mine, UserStoreContract, MyFactory);

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/ports/database.hpp"

namespace batchd::contract {

/// A live admin user with an API token hash, all fields set.
inline core::NewUser NewAdmin(std::string id, std::string email, std::string token_hash = "") {
    core::NewUser user;
    user.user.id = core::UserId{std::move(id)};
    user.user.email = std::move(email);
    user.user.first_name = "Ærø";
    user.user.last_name = "Admin 🚀";
    user.user.role = "admin";
    user.user.created_at = core::TimePoint{std::chrono::milliseconds{1'656'367'200'000}};
    user.user.updated_at = user.user.created_at + std::chrono::milliseconds{5};
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    user.api_token_hash = std::move(token_hash);
    return user;
}

inline void ExpectSameUser(const core::User& actual, const core::User& expected) {
    EXPECT_EQ(actual.id.value, expected.id.value);
    EXPECT_EQ(actual.email, expected.email);
    EXPECT_EQ(actual.first_name, expected.first_name);
    EXPECT_EQ(actual.last_name, expected.last_name);
    EXPECT_EQ(actual.role, expected.role);
    EXPECT_EQ(actual.created_at.time_since_epoch().count(), expected.created_at.time_since_epoch().count());
    EXPECT_EQ(actual.updated_at.time_since_epoch().count(), expected.updated_at.time_since_epoch().count());
    EXPECT_EQ(actual.deleted_at.has_value(), expected.deleted_at.has_value());
}

template <class Factory>
class UserStoreContract : public ::testing::Test {
protected:
    // A factory may skip (GTEST_SKIP) and return null, e.g. when its server is not configured.
    void SetUp() override {
        if (db_ == nullptr) {
            GTEST_SKIP() << "the factory made no database";
        }
    }

    core::Database& Db() { return *db_; }

    std::unique_ptr<core::Database> db_ = Factory::Make();
};

TYPED_TEST_SUITE_P(UserStoreContract);

TYPED_TEST_P(UserStoreContract, ACreatedUserReadsBackByIdWithEveryField) {
    const core::NewUser admin = NewAdmin("admin_user", "admin@medusa.js", "hash_1");
    auto created = this->Db().CreateUser(admin);
    ASSERT_TRUE(created.has_value());
    ExpectSameUser(created.value(), admin.user);

    auto read = this->Db().GetUser(admin.user.id);
    ASSERT_TRUE(read.has_value());
    ExpectSameUser(read.value(), admin.user);
}

TYPED_TEST_P(UserStoreContract, AnUnknownUserIsNotFound) {
    auto read = this->Db().GetUser(core::UserId{"user_nope"});
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, core::Errc::kNotFound);
}

TYPED_TEST_P(UserStoreContract, ATakenEmailIsADuplicate) {
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_1", "admin@medusa.js", "hash_1")).has_value());
    auto again = this->Db().CreateUser(NewAdmin("user_2", "admin@medusa.js", "hash_2"));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, core::Errc::kDuplicate);
    EXPECT_FALSE(this->Db().GetUser(core::UserId{"user_2"}).has_value());
    EXPECT_FALSE(this->Db().FindUserByTokenHash("hash_2").has_value());
}

TYPED_TEST_P(UserStoreContract, ATakenIdIsADuplicate) {
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_1", "one@medusa.js")).has_value());
    auto again = this->Db().CreateUser(NewAdmin("user_1", "two@medusa.js"));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, core::Errc::kDuplicate);
}

TYPED_TEST_P(UserStoreContract, ATakenTokenHashIsADuplicate) {
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_1", "one@medusa.js", "hash_1")).has_value());
    auto again = this->Db().CreateUser(NewAdmin("user_2", "two@medusa.js", "hash_1"));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, core::Errc::kDuplicate);
    auto found = this->Db().FindUserByTokenHash("hash_1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found.value().id.value, "user_1");
}

TYPED_TEST_P(UserStoreContract, UsersWithoutTokensCoexistAndAreNeverFoundByAnEmptyHash) {
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_1", "one@medusa.js")).has_value());
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_2", "two@medusa.js")).has_value());
    auto found = this->Db().FindUserByTokenHash("");
    ASSERT_FALSE(found.has_value());
    EXPECT_EQ(found.error().code, core::Errc::kNotFound);
}

TYPED_TEST_P(UserStoreContract, AUserIsFoundByTheHashOfItsToken) {
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_1", "one@medusa.js", "hash_1")).has_value());
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_2", "two@medusa.js", "hash_2")).has_value());
    auto found = this->Db().FindUserByTokenHash("hash_2");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found.value().id.value, "user_2");
    EXPECT_EQ(found.value().email, "two@medusa.js");

    auto unknown = this->Db().FindUserByTokenHash("hash_3");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, core::Errc::kNotFound);
}

TYPED_TEST_P(UserStoreContract, ADeletedUserIsNotFound) {
    core::NewUser gone = NewAdmin("user_gone", "gone@medusa.js", "hash_gone");
    gone.user.deleted_at = gone.user.created_at;
    ASSERT_TRUE(this->Db().CreateUser(gone).has_value());

    auto by_id = this->Db().GetUser(gone.user.id);
    ASSERT_FALSE(by_id.has_value());
    EXPECT_EQ(by_id.error().code, core::Errc::kNotFound);
    auto by_token = this->Db().FindUserByTokenHash("hash_gone");
    ASSERT_FALSE(by_token.has_value());
    EXPECT_EQ(by_token.error().code, core::Errc::kNotFound);
}

TYPED_TEST_P(UserStoreContract, AUserIsFoundByItsExactEmail) {
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_1", "one@medusa.js", "hash_1")).has_value());
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_2", "two@medusa.js", "hash_2")).has_value());
    auto found = this->Db().FindUserByEmail("two@medusa.js");
    ASSERT_TRUE(found.has_value());
    ExpectSameUser(found.value(), NewAdmin("user_2", "two@medusa.js").user);

    for (const std::string email : {"three@medusa.js", "TWO@medusa.js", "two@medusa.js ", ""}) {
        auto unknown = this->Db().FindUserByEmail(email);
        ASSERT_FALSE(unknown.has_value()) << email;
        EXPECT_EQ(unknown.error().code, core::Errc::kNotFound) << email;
    }
}

TYPED_TEST_P(UserStoreContract, ADeletedUserIsGoneByIdEmailAndTokenAndOthersStay) {
    const core::NewUser gone = NewAdmin("user_gone", "gone@medusa.js", "hash_gone");
    ASSERT_TRUE(this->Db().CreateUser(gone).has_value());
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_kept", "kept@medusa.js", "hash_kept")).has_value());
    const core::TimePoint at = gone.user.created_at + std::chrono::hours{1};

    ASSERT_TRUE(this->Db().DeleteUser(gone.user.id, at).has_value());

    auto by_id = this->Db().GetUser(gone.user.id);
    ASSERT_FALSE(by_id.has_value());
    EXPECT_EQ(by_id.error().code, core::Errc::kNotFound);
    auto by_token = this->Db().FindUserByTokenHash("hash_gone");
    ASSERT_FALSE(by_token.has_value());
    EXPECT_EQ(by_token.error().code, core::Errc::kNotFound);
    auto by_email = this->Db().FindUserByEmail("gone@medusa.js");
    ASSERT_FALSE(by_email.has_value());
    EXPECT_EQ(by_email.error().code, core::Errc::kNotFound);

    auto kept = this->Db().FindUserByTokenHash("hash_kept");
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept.value().id.value, "user_kept");
    ASSERT_TRUE(this->Db().GetUser(core::UserId{"user_kept"}).has_value());
}

TYPED_TEST_P(UserStoreContract, ADeletedUsersTokenHashIsForgottenButItsIdAndEmailStayTaken) {
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_gone", "gone@medusa.js", "hash_gone")).has_value());
    ASSERT_TRUE(this->Db().DeleteUser(core::UserId{"user_gone"}, core::TimePoint{}).has_value());

    // The hash was dropped with the user: a new user may hold it, and only that one is found by it.
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_new", "new@medusa.js", "hash_gone")).has_value());
    auto found = this->Db().FindUserByTokenHash("hash_gone");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found.value().id.value, "user_new");

    auto same_id = this->Db().CreateUser(NewAdmin("user_gone", "other@medusa.js"));
    ASSERT_FALSE(same_id.has_value());
    EXPECT_EQ(same_id.error().code, core::Errc::kDuplicate);
    auto same_email = this->Db().CreateUser(NewAdmin("user_other", "gone@medusa.js"));
    ASSERT_FALSE(same_email.has_value());
    EXPECT_EQ(same_email.error().code, core::Errc::kDuplicate);
}

TYPED_TEST_P(UserStoreContract, DeletingAnUnknownOrDeletedUserIsNotFound) {
    auto unknown = this->Db().DeleteUser(core::UserId{"user_nope"}, core::TimePoint{});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, core::Errc::kNotFound);

    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("user_1", "one@medusa.js", "hash_1")).has_value());
    ASSERT_TRUE(this->Db().DeleteUser(core::UserId{"user_1"}, core::TimePoint{}).has_value());
    auto twice = this->Db().DeleteUser(core::UserId{"user_1"}, core::TimePoint{});
    ASSERT_FALSE(twice.has_value());
    EXPECT_EQ(twice.error().code, core::Errc::kNotFound);
}

TYPED_TEST_P(UserStoreContract, AnIdThatIsNotOnePlainPathSegmentIsRefused) {
    int n = 0;
    const std::vector<std::string> ids{"",
                                       "_unowned",
                                       "-a",
                                       "a/b",
                                       "..",
                                       ".",
                                       "a.b",
                                       "a b",
                                       "a\\b",
                                       "usr_\xc3\xa9",
                                       std::string("a\0b", 3),
                                       std::string(65, 'a')};
    for (const std::string& id : ids) {
        auto created = this->Db().CreateUser(NewAdmin(id, "user" + std::to_string(++n) + "@medusa.js"));
        ASSERT_FALSE(created.has_value()) << id;
        EXPECT_EQ(created.error().code, core::Errc::kInvalidData) << id;
    }
    EXPECT_FALSE(this->Db().FindUserByEmail("user2@medusa.js").has_value());
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin(std::string(64, 'a'), "long@medusa.js")).has_value());
    ASSERT_TRUE(this->Db().CreateUser(NewAdmin("usr_01H-x_9", "plain@medusa.js")).has_value());
}

REGISTER_TYPED_TEST_SUITE_P(UserStoreContract,
                            ACreatedUserReadsBackByIdWithEveryField,
                            AnUnknownUserIsNotFound,
                            ATakenEmailIsADuplicate,
                            ATakenIdIsADuplicate,
                            ATakenTokenHashIsADuplicate,
                            UsersWithoutTokensCoexistAndAreNeverFoundByAnEmptyHash,
                            AUserIsFoundByTheHashOfItsToken,
                            ADeletedUserIsNotFound,
                            AUserIsFoundByItsExactEmail,
                            ADeletedUserIsGoneByIdEmailAndTokenAndOthersStay,
                            ADeletedUsersTokenHashIsForgottenButItsIdAndEmailStayTaken,
                            DeletingAnUnknownOrDeletedUserIsNotFound,
                            AnIdThatIsNotOnePlainPathSegmentIsRefused);

}  // namespace batchd::contract

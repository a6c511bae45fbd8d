#include "auth/credentials.hpp"

#include <set>

#include <gtest/gtest.h>

namespace batchd::auth {
namespace {

TEST(CredentialsTest, ApiTokenHashIsLowercaseHexSha256) {
    // SHA-256("test_token"), the fixture token of MEDUSA-SPEC §8.
    EXPECT_EQ(HashApiToken("test_token"), "cc0af97287543b65da2c7e1476426021826cab166f1e063ed012b855ff819656");
    EXPECT_EQ(HashApiToken(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(HashApiToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_NE(HashApiToken("test_token"), HashApiToken("test_token "));
}

TEST(CredentialsTest, NewApiTokensAreUrlSafeAndDistinct) {
    std::set<std::string> tokens;
    for (int i = 0; i < 50; ++i) {
        const std::string token = NewApiToken();
        EXPECT_EQ(token.size(), 43U);
        EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos)
            << token;
        tokens.insert(token);
    }
    EXPECT_EQ(tokens.size(), 50U);
}

TEST(CredentialsTest, PasswordHashVerifiesOnlyTheSamePassword) {
    const std::string hash = HashPassword("correct horse");
    EXPECT_TRUE(hash.starts_with("$argon2id$"));
    EXPECT_TRUE(VerifyPassword(hash, "correct horse"));
    EXPECT_FALSE(VerifyPassword(hash, "correct horse "));
    EXPECT_NE(HashPassword("correct horse"), hash);  // salted
}

TEST(CredentialsTest, MalformedHashNeverVerifies) {
    EXPECT_FALSE(VerifyPassword("", ""));
    EXPECT_FALSE(VerifyPassword("plaintext", "plaintext"));
    EXPECT_FALSE(VerifyPassword(std::string(500, 'x'), "x"));
}

TEST(CredentialsTest, NewUserIdsAreUlidsWithTheUserPrefix) {
    const std::string id = NewUserId(core::TimePoint{std::chrono::milliseconds{1'656'367'200'000}});
    EXPECT_TRUE(id.starts_with("usr_"));
    EXPECT_EQ(id.size(), 4U + 26U);
    EXPECT_NE(id, NewUserId(core::TimePoint{std::chrono::milliseconds{1'656'367'200'000}}));
}

}  // namespace
}  // namespace batchd::auth

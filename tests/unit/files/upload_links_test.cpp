// The pure helpers of http/uploads_routes: upload key names and signed download links.
#include <chrono>

#include <gtest/gtest.h>

#include "auth/url_signer.hpp"
#include "http/uploads_routes.hpp"

namespace batchd::http {
namespace {

TEST(UploadLinksTest, SanitizeUploadNameKeepsASafeBaseName) {
    EXPECT_EQ(SanitizeUploadName("products.csv"), "products.csv");
    EXPECT_EQ(SanitizeUploadName("my file (2).csv"), "my file (2).csv");
    EXPECT_EQ(SanitizeUploadName("../../etc/passwd"), "passwd");
    EXPECT_EQ(SanitizeUploadName("C:\\Users\\me\\a.csv"), "a.csv");
    EXPECT_EQ(SanitizeUploadName("a\"b;c\r\n.csv"), "a_b_c__.csv");
    EXPECT_EQ(SanitizeUploadName("\xC3\xA9t\xC3\xA9.csv"), "__t__.csv");
    EXPECT_EQ(SanitizeUploadName(std::string("a\0b", 3)), "a_b");
    EXPECT_EQ(SanitizeUploadName(""), "file");
    EXPECT_EQ(SanitizeUploadName(".."), "file");
    EXPECT_EQ(SanitizeUploadName("dir/"), "file");
    EXPECT_EQ(SanitizeUploadName(std::string(300, 'x')).size(), 200U);
}

TEST(UploadLinksTest, PercentEncodeKeyEncodesAllButUnreserved) {
    EXPECT_EQ(PercentEncodeKey("uploads/01H-a b.csv"), "uploads%2F01H-a%20b.csv");
    EXPECT_EQ(PercentEncodeKey("A-Z_a.z~0"), "A-Z_a.z~0");
    EXPECT_EQ(PercentEncodeKey("?&=#%\xff"), "%3F%26%3D%23%25%FF");
}

TEST(UploadLinksTest, SignedDownloadUrl) {
    const auth::UrlSigner signer{"0123456789abcdef0123456789abcdef"};
    const core::TimePoint expires{std::chrono::milliseconds{1'700'000'000'000}};
    EXPECT_EQ(SignedDownloadUrl(signer, "http://localhost:9000", "uploads/a b.csv", expires),
              "http://localhost:9000/files/uploads%2Fa%20b.csv?expires=1700000000000&signature=" +
                  signer.Sign("uploads/a b.csv", expires));
}

}  // namespace
}  // namespace batchd::http

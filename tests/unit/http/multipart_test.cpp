#include "http/multipart.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace batchd::http {
namespace {

struct Collected {
    MultipartPart part;
    std::string body;
    bool ended = false;
};

/// Runs a parser over `body` cut into pieces of `chunk` bytes (0: in one piece) and records what
/// it reported; `error` holds the failure of Feed or Finish, if any.
struct Outcome {
    std::vector<Collected> parts;
    std::optional<core::Error> error;
    std::size_t largest_piece = 0;
};

Outcome Parse(std::string_view boundary,
              std::string_view body,
              std::size_t chunk = 0,
              std::size_t max_header_bytes = MultipartParser::kDefaultMaxHeaderBytes) {
    Outcome run;
    MultipartParser parser{boundary,
                           {
                               [&](const MultipartPart& part) -> core::Result<void> {
                                   run.parts.push_back(Collected{part, {}, false});
                                   return {};
                               },
                               [&](std::string_view data) -> core::Result<void> {
                                   EXPECT_FALSE(data.empty());
                                   EXPECT_FALSE(run.parts.empty());
                                   EXPECT_FALSE(run.parts.back().ended);
                                   run.parts.back().body.append(data);
                                   run.largest_piece = std::max(run.largest_piece, data.size());
                                   return {};
                               },
                               [&]() -> core::Result<void> {
                                   run.parts.back().ended = true;
                                   return {};
                               },
                           },
                           max_header_bytes};
    const std::size_t step = chunk == 0 ? std::max<std::size_t>(body.size(), 1) : chunk;
    for (std::size_t at = 0; at < body.size(); at += step) {
        if (auto fed = parser.Feed(body.substr(at, step)); !fed) {
            run.error = fed.error();
            return run;
        }
    }
    if (auto finished = parser.Finish(); !finished) {
        run.error = finished.error();
    }
    return run;
}

// Two files as undici's FormData (Node's fetch) sends them.
const std::string kBoundary = "----formdata-undici-0123456789";
const std::string kTwoFiles =
    "------formdata-undici-0123456789\r\n"
    "Content-Disposition: form-data; name=\"files\"; filename=\"a.csv\"\r\n"
    "Content-Type: text/csv\r\n"
    "\r\n"
    "id;title\r\n1;x\r\n"
    "\r\n------formdata-undici-0123456789\r\n"
    "Content-Disposition: form-data; name=\"files\"; filename=\"b.bin\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "\r\n--\r\n-\r\r\n------formdata-undici-012345678 not quite\r\n"
    "\r\n------formdata-undici-0123456789--\r\n";

void ExpectTwoFiles(const Outcome& run) {
    ASSERT_FALSE(run.error) << run.error->detail;
    ASSERT_EQ(run.parts.size(), 2U);
    EXPECT_EQ(run.parts[0].part.name, "files");
    EXPECT_EQ(run.parts[0].part.filename, "a.csv");
    EXPECT_EQ(run.parts[0].part.content_type, "text/csv");
    EXPECT_EQ(run.parts[0].body, "id;title\r\n1;x\r\n");
    EXPECT_TRUE(run.parts[0].ended);
    EXPECT_EQ(run.parts[1].part.filename, "b.bin");
    EXPECT_EQ(run.parts[1].part.content_type, "application/octet-stream");
    EXPECT_EQ(run.parts[1].body, "\r\n--\r\n-\r\r\n------formdata-undici-012345678 not quite\r\n");
    EXPECT_TRUE(run.parts[1].ended);
}

TEST(MultipartTest, ParsesPartsInOnePiece) { ExpectTwoFiles(Parse(kBoundary, kTwoFiles)); }

TEST(MultipartTest, ParsesPartsFedOneByteAtATime) { ExpectTwoFiles(Parse(kBoundary, kTwoFiles, 1)); }

TEST(MultipartTest, ParsesPartsSplitAtEveryPoint) {
    for (std::size_t chunk = 2; chunk < kTwoFiles.size(); ++chunk) {
        SCOPED_TRACE(chunk);
        ExpectTwoFiles(Parse(kBoundary, kTwoFiles, chunk));
    }
}

TEST(MultipartTest, IgnoresPreambleAndEpilogue) {
    const std::string body =
        "This is the preamble. --b is not a delimiter\r\n- nor is this --b\r\n"
        "--b\r\n"
        "Content-Disposition: form-data; name=note\r\n"
        "\r\n"
        "hello\r\n"
        "--b--\r\n"
        "epilogue with \r\n--b\r\n a delimiter in it";
    for (const std::size_t chunk : {0U, 1U, 3U}) {
        const Outcome run = Parse("b", body, chunk);
        ASSERT_FALSE(run.error) << run.error->detail;
        ASSERT_EQ(run.parts.size(), 1U);
        EXPECT_EQ(run.parts[0].part.name, "note");
        EXPECT_FALSE(run.parts[0].part.filename);
        EXPECT_EQ(run.parts[0].part.content_type, "");
        EXPECT_EQ(run.parts[0].body, "hello");
    }
}

TEST(MultipartTest, AcceptsALeadingLineBreakTransportPaddingAndNoFinalCrlf) {
    const std::string body =
        "\r\n--b \t\r\n"
        "content-disposition: FORM-DATA; NAME=\"files\"; filename=\"x.csv\"\r\n"
        "\r\n"
        "x\r\n"
        "--b--";
    const Outcome run = Parse("b", body);
    ASSERT_FALSE(run.error) << run.error->detail;
    ASSERT_EQ(run.parts.size(), 1U);
    EXPECT_EQ(run.parts[0].part.name, "files");
    EXPECT_EQ(run.parts[0].body, "x");
}

TEST(MultipartTest, EmptyPartsAndNoParts) {
    const Outcome none = Parse("b", "--b--\r\n");
    ASSERT_FALSE(none.error);
    EXPECT_TRUE(none.parts.empty());

    const Outcome empty =
        Parse("b", "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"e\"\r\n\r\n\r\n--b--");
    ASSERT_FALSE(empty.error) << empty.error->detail;
    ASSERT_EQ(empty.parts.size(), 1U);
    EXPECT_EQ(empty.parts[0].body, "");
    EXPECT_TRUE(empty.parts[0].ended);
}

TEST(MultipartTest, FileNames) {
    const auto filename_of = [](std::string_view disposition) -> std::optional<std::string> {
        const Outcome run =
            Parse("b", "--b\r\nContent-Disposition: " + std::string(disposition) + "\r\n\r\nx\r\n--b--");
        EXPECT_FALSE(run.error) << disposition;
        return run.parts.empty() ? std::nullopt : run.parts[0].part.filename;
    };
    EXPECT_EQ(filename_of(R"(form-data; name="files"; filename="a \"b\".csv")"), "a \"b\".csv");
    EXPECT_EQ(filename_of(R"(form-data; name="files"; filename="C:\x\a.csv")"), "C:\\x\\a.csv");
    EXPECT_EQ(filename_of(R"(form-data; name="files"; filename="semi;colon.csv")"), "semi;colon.csv");
    EXPECT_EQ(filename_of(R"(form-data; name="files"; filename=plain.csv)"), "plain.csv");
    EXPECT_EQ(filename_of(R"(form-data; name="files"; filename="x.csv"; filename*=UTF-8''%C3%A9t%C3%A9.csv)"),
              "\xC3\xA9t\xC3\xA9.csv");
    EXPECT_EQ(filename_of(R"(form-data; name="files"; filename="")"), "");
    EXPECT_EQ(filename_of(R"(form-data; name="files")"), std::nullopt);
}

TEST(MultipartTest, FoldedHeaderLines) {
    const Outcome run =
        Parse("b",
              "--b\r\nContent-Disposition: form-data;\r\n name=\"files\";\r\n\tfilename=\"f.csv\"\r\n"
              "X-Other: 1\r\n \r\n\r\nx\r\n--b--");
    ASSERT_FALSE(run.error) << run.error->detail;
    ASSERT_EQ(run.parts.size(), 1U);
    EXPECT_EQ(run.parts[0].part.name, "files");
    EXPECT_EQ(run.parts[0].part.filename, "f.csv");
}

TEST(MultipartTest, MalformedBodiesAreInvalidData) {
    const std::string head = "--b\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\n";
    const std::vector<std::string> bodies{
        "",                                                   // no boundary at all
        "just some text",                                     // no boundary at all
        "--b",                                                // nothing after the first boundary
        "--b\r\nContent-Disposition: form-data;",             // truncated in the headers
        head + "data that never ends",                        // truncated body
        head + "data\r\n--b",                                 // no closing "--"
        head + "data\r\n--b\r\n",                             // a part that never comes
        "--bx\r\n" + head.substr(5) + "x\r\n--b--",           // the boundary is followed by garbage…
        "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",  // no Content-Disposition
        "--b\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--b--",     // not form-data
        "--b\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\nx\r\n--b--",  // no name
        "--b\r\nContent-Disposition: form-data; name=\"f\r\n\r\nx\r\n--b--",        // unclosed quote
        "--b\r\nno colon here\r\n\r\nx\r\n--b--",                                   // not a header
        "--b\r\n continuation first\r\n\r\nx\r\n--b--",                             // folding with no header
        "--b\n" + head.substr(4) + "x\r\n--b--",                                    // LF, not CRLF
    };
    for (const std::string& body : bodies) {
        for (const std::size_t chunk : {0U, 1U}) {
            const Outcome run = Parse("b", body, chunk);
            ASSERT_TRUE(run.error) << "body: " << body << " chunk " << chunk;
            EXPECT_EQ(run.error->code, core::Errc::kInvalidData) << body;
            EXPECT_TRUE(run.error->detail.starts_with("Malformed multipart body")) << run.error->detail;
        }
    }
}

TEST(MultipartTest, HeadersOverTheLimitAreRefused) {
    const std::string body =
        "--b\r\nContent-Disposition: form-data; name=\"files\"\r\nX-Pad: " + std::string(200, 'p') +
        "\r\n\r\nx\r\n--b--";
    EXPECT_FALSE(Parse("b", body, 0, 1024).error);
    for (const std::size_t chunk : {0U, 1U, 7U}) {
        const Outcome run = Parse("b", body, chunk, 128);
        ASSERT_TRUE(run.error);
        EXPECT_NE(run.error->detail.find("longer than 128 bytes"), std::string::npos) << run.error->detail;
    }
    // One endless header line is refused as soon as it passes the limit, not at its end.
    MultipartParser parser{"b",
                           {[](const MultipartPart&) -> core::Result<void> { return {}; },
                            [](std::string_view) -> core::Result<void> { return {}; },
                            []() -> core::Result<void> { return {}; }},
                           128};
    ASSERT_TRUE(parser.Feed("--b\r\nX-Long: "));
    bool refused = false;
    for (int i = 0; i < 100 && !refused; ++i) {
        refused = !parser.Feed("0123456789");
    }
    EXPECT_TRUE(refused);
}

TEST(MultipartTest, ACallbackFailureStopsTheParserAndSticks) {
    MultipartParser parser{
        "b",
        {[](const MultipartPart& part) -> core::Result<void> {
             if (part.name != "files") {
                 return core::Error{core::Errc::kInvalidData, "Unexpected field " + part.name};
             }
             return {};
         },
         [](std::string_view) -> core::Result<void> { return {}; },
         []() -> core::Result<void> { return {}; }}};
    auto fed = parser.Feed("--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--");
    ASSERT_FALSE(fed);
    EXPECT_EQ(fed.error().detail, "Unexpected field other");
    EXPECT_EQ(parser.Feed("more").error().detail, "Unexpected field other");
    EXPECT_EQ(parser.Finish().error().detail, "Unexpected field other");
}

TEST(MultipartTest, LargePartsStreamInPiecesNoLargerThanTheChunk) {
    const std::string boundary = "xyzzy-boundary";
    std::string content;
    for (int i = 0; content.size() < 3'000'000; ++i) {
        content += "line " + std::to_string(i) + " \r\n--xyzzy-bound\r\n";
    }
    const std::string body = "--" + boundary +
                             "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big\"\r\n\r\n" +
                             content + "\r\n--" + boundary + "--\r\n";
    constexpr std::size_t kChunk = 64 * 1024;
    const Outcome run = Parse(boundary, body, kChunk);
    ASSERT_FALSE(run.error) << run.error->detail;
    ASSERT_EQ(run.parts.size(), 1U);
    EXPECT_TRUE(run.parts[0].body == content);
    EXPECT_LE(run.largest_piece, kChunk + boundary.size() + 4);
}

TEST(MultipartTest, BoundaryOfContentType) {
    EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=----WebKitFormBoundaryABC").value(),
              "----WebKitFormBoundaryABC");
    EXPECT_EQ(MultipartBoundary("Multipart/Form-Data;BOUNDARY=\"a b:c\"").value(), "a b:c");
    EXPECT_EQ(MultipartBoundary("multipart/form-data; charset=utf-8; boundary=x; other=1").value(), "x");
    EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=" + std::string(70, 'a')).value(),
              std::string(70, 'a'));

    EXPECT_EQ(MultipartBoundary("application/json").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(MultipartBoundary("").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(MultipartBoundary("multipart/mixed; boundary=x").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(MultipartBoundary("multipart/form-data").error().detail,
              "Malformed multipart body: the boundary is missing");
    EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=\"\"").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')).error().code,
              core::Errc::kInvalidData);
}

}  // namespace
}  // namespace batchd::http

#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/ports/blob_store.hpp"

namespace batchd::http {

/// One HTTP request as the handlers see it: plain values, no Beast, so that route files compile fast
/// and tests build requests by hand. The server fills it from the parsed message.
struct Request {
    std::string method;  // "GET", "POST", …
    std::string path;    // the target before '?', still percent-encoded: "/admin/batch-jobs/job_1"
    std::string query;   // the target after '?', raw: "type%5B0%5D=product-export&limit=2"
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in arrival order
    std::string body;
    /// Set instead of `body` for an upload (POST /admin/uploads…, multipart): the server spooled the
    /// body to this file, which it deletes when the handler returns. Read it on the blocking pool.
    std::optional<std::filesystem::path> body_file;

    /// The first header named `name` (lower case), or "" when there is none.
    [[nodiscard]] std::string_view Header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (key == name) {
                return value;
            }
        }
        return {};
    }
};

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";

/// One HTTP response: the server adds Content-Length, Connection and Date.
struct Response {
    int status = 200;
    std::string content_type{kJsonContentType};
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. CORS
    /// Set instead of `body` for a download: the server sends `body_size` bytes read from here in
    /// chunks (on the io thread, as Beast's file_body does: local reads of 64 KiB are short), so a
    /// large file is never held in memory. A reader that ends early closes the connection.
    std::shared_ptr<core::BlobReader> body_reader;
    std::uint64_t body_size = 0;
};

/// What the server calls for every request, on the io thread that read it. It must not block: store
/// calls go through runtime::RunBlocking. An exception that escapes becomes a 500 and closes the
/// connection (the session top catches it).
using Handler = std::function<boost::asio::awaitable<Response>(Request)>;

/// Looks at a request whose body has not been read yet (an upload, which may be large) and either
/// lets it in (nullopt) or answers it at once (a 401, say), so that nobody can make the server
/// store a body before their credentials are checked. Same threading rules as Handler.
using Admission = std::function<boost::asio::awaitable<std::optional<Response>>(const Request&)>;

}  // namespace batchd::http

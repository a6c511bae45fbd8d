#include "http/uploads_routes.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "auth/file_ownership.hpp"
#include "core/ports/user_store.hpp"
#include "http/errors.hpp"
#include "http/file_key_body.hpp"
#include "http/json_body.hpp"
#include "http/multipart.hpp"
#include "http/query_string.hpp"
#include "runtime/run_blocking.hpp"
#include "support/c_handle.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

constexpr std::chrono::hours kLinkLifetime{1};
constexpr std::size_t kSpoolReadChunk = 64 * 1024;
constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kUlidLength = 26;
constexpr std::string_view kFilesField = "files";
constexpr std::string_view kBadLinkMessage = "The download link is invalid or has expired";

using File = std::unique_ptr<std::FILE, CFree<&fclose>>;

core::TimePoint Now() {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::array<std::uint8_t, 10> RandomBytes() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::array<std::uint8_t, 10> bytes{};
    for (auto& byte : bytes) {
        byte = static_cast<std::uint8_t>(generator());
    }
    return bytes;
}

Response JsonResponse(const json::object& body) {
    Response response;
    response.body = json::serialize(body);
    return response;
}

// Where the links we hand out point: the configured public URL, else the host the client used.
std::string BaseUrl(const Services& services, const Request& request) {
    if (!services.public_url.empty()) {
        return services.public_url;
    }
    return "http://" + std::string(request.Header("host"));
}

/// Streams one multipart body into the file store: each file part under `files` becomes a file.
/// On failure the files already stored for this request are removed again.
class UploadSink {
public:
    UploadSink(core::BlobStore& files, std::string_view folder) : files_(files), folder_(folder) {}

    UploadSink(const UploadSink&) = delete;
    UploadSink& operator=(const UploadSink&) = delete;

    ~UploadSink() {
        writer_.reset();  // an unfinished part is discarded
        if (!succeeded_) {
            for (const std::string& key : keys_) {
                static_cast<void>(files_.Remove(key));
            }
        }
    }

    MultipartParser::Callbacks Callbacks() {
        return {
            [this](const MultipartPart& part) { return Begin(part); },
            [this](std::string_view bytes) -> core::Result<void> {
                return writer_ ? writer_->Write(bytes) : core::Result<void>{};
            },
            [this]() { return End(); },
        };
    }

    std::vector<std::string> Succeed() {
        succeeded_ = true;
        return keys_;
    }

private:
    core::Result<void> Begin(const MultipartPart& part) {
        writer_.reset();
        if (!part.filename) {
            return {};  // a text field: multer puts it in req.body, the upload routes ignore it
        }
        if (part.name != kFilesField) {
            // multer's LIMIT_UNEXPECTED_FILE; v1 answers it with the generic 500, batchd with 400.
            return core::Error{
                core::Errc::kInvalidData,
                "Unexpected field " + part.name + ": files are uploaded under the field name files"};
        }
        key_ = folder_ + "/" + core::MakeUlidId("", Now(), RandomBytes()) + "-" +
               SanitizeUploadName(*part.filename);
        auto writer = files_.Create(key_);
        if (!writer) {
            return writer.error();
        }
        writer_ = std::move(*writer);
        return {};
    }

    core::Result<void> End() {
        if (!writer_) {
            return {};
        }
        auto size = writer_->Commit();
        writer_.reset();
        if (!size) {
            return size.error();
        }
        keys_.push_back(key_);
        return {};
    }

    core::BlobStore& files_;
    std::string folder_;
    std::unique_ptr<core::BlobWriter> writer_;
    std::string key_;
    std::vector<std::string> keys_;
    bool succeeded_ = false;
};

// Blocking: parses the upload (spooled file or in-memory body) and stores its files.
core::Result<std::vector<std::string>> StoreUploads(core::BlobStore& files,
                                                    const Request& request,
                                                    std::string_view folder) {
    auto boundary = MultipartBoundary(request.Header("content-type"));
    if (!boundary) {
        return boundary.error();
    }
    UploadSink sink{files, folder};
    MultipartParser parser{*boundary, sink.Callbacks()};
    if (request.body_file) {
        File spool{std::fopen(request.body_file->c_str(), "rb")};
        if (!spool) {
            return core::Error{core::Errc::kInternal,
                               "cannot open the upload spool file " + request.body_file->string()};
        }
        std::string chunk(kSpoolReadChunk, '\0');
        for (;;) {
            const std::size_t read = std::fread(chunk.data(), 1, chunk.size(), spool.get());
            if (read == 0) {
                if (std::ferror(spool.get()) != 0) {
                    return core::Error{core::Errc::kInternal, "cannot read the upload spool file"};
                }
                break;
            }
            if (auto fed = parser.Feed(std::string_view(chunk).substr(0, read)); !fed) {
                return fed.error();
            }
        }
    } else if (auto fed = parser.Feed(request.body); !fed) {
        return fed.error();
    }
    if (auto finished = parser.Finish(); !finished) {
        return finished.error();
    }
    return sink.Succeed();
}

// The caller: every /admin route is authenticated before it runs (Api), so this is only a guard.
core::Result<core::UserId> Caller(const Call& call) {
    if (!call.user) {
        return core::Error{core::Errc::kUnauthorized, "Unauthorized"};
    }
    return call.user->id;
}

// The `file_key` of a download-url or delete body, if it is well formed and the caller's own. The
// owner is read from the key, before the store is asked anything: someone else's key is refused
// alike whether or not its file exists (docs/adr/0006-file-ownership.md).
core::Result<std::string> CallersFileKey(const Call& call) {
    auto key = ParseFileKeyBody(call.request.body);
    if (!key) {
        return key.error();
    }
    if (auto valid = CheckFileKey(*key); !valid) {
        return valid.error();
    }
    auto caller = Caller(call);
    if (!caller) {
        return caller.error();
    }
    if (auto owned = auth::CheckFileOwner(*caller, *key); !owned) {
        return owned.error();
    }
    return key;
}

awaitable<Response> Upload(const Services& services, Call& call, std::string_view kind) {
    const Request& request = call.request;
    auto caller = Caller(call);
    if (!caller) {
        co_return ErrorResponse(caller.error());
    }
    const std::string folder = core::OwnedFileKey(*caller, kind);
    auto keys = co_await runtime::RunBlocking(services.blocking,
                                              [&] { return StoreUploads(services.files, request, folder); });
    if (!keys) {
        co_return ErrorResponse(keys.error());
    }
    const std::string base = BaseUrl(services, request);
    const core::TimePoint expires_at = Now() + kLinkLifetime;
    json::array uploads;
    for (const std::string& key : *keys) {
        uploads.push_back(json::object{{"url", SignedDownloadUrl(services.url_signer, base, key, expires_at)},
                                       {"key", key}});
    }
    co_return JsonResponse(json::object{{"uploads", std::move(uploads)}});
}

awaitable<Response> Delete(const Services& services, Call& call) {
    auto key = CallersFileKey(call);
    if (!key) {
        co_return ErrorResponse(key.error());
    }
    auto removed =
        co_await runtime::RunBlocking(services.blocking, [&] { return services.files.Remove(*key); });
    if (!removed) {
        co_return ErrorResponse(removed.error());
    }
    co_return JsonResponse(json::object{{"id", *key}, {"object", "file"}, {"deleted", true}});
}

awaitable<Response> DownloadUrl(const Services& services, Call& call) {
    auto key = CallersFileKey(call);
    if (!key) {
        co_return ErrorResponse(key.error());
    }
    auto size = co_await runtime::RunBlocking(services.blocking, [&] { return services.files.Size(*key); });
    if (!size) {
        co_return ErrorResponse(size.error());
    }
    const std::string url =
        SignedDownloadUrl(services.url_signer, BaseUrl(services, call.request), *key, Now() + kLinkLifetime);
    co_return JsonResponse(json::object{{"download_url", url}});
}

// The name a browser saves the file under: the key's base name without our ULID prefix.
std::string DownloadName(std::string_view key) {
    std::string_view name = key.substr(key.rfind('/') + 1);
    if (name.size() > kUlidLength + 1 && name[kUlidLength] == '-' &&
        name.substr(0, kUlidLength).find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ") ==
            std::string_view::npos) {
        name.remove_prefix(kUlidLength + 1);
    }
    return std::string(name);
}

std::string ContentDisposition(std::string_view name) {
    std::string ascii(name);
    for (char& c : ascii) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
            c = '_';
        }
    }
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + PercentEncodeKey(name);
}

awaitable<Response> Download(const Services& services, Call& call) {
    const std::string& key = call.Param("key");
    if (auto valid = CheckFileKey(key); !valid) {
        co_return ErrorResponse(valid.error());
    }
    auto query = ParseQueryString(call.request.query);
    if (!query) {
        co_return ErrorResponse(query.error());
    }
    const json::value* expires = query->if_contains("expires");
    const json::value* signature = query->if_contains("signature");
    const auto forbidden = [] { return JsonErrorResponse(403, "not_allowed", kBadLinkMessage); };
    if (expires == nullptr || signature == nullptr || !expires->is_string() || !signature->is_string()) {
        co_return forbidden();
    }
    const std::string_view expires_text = expires->as_string();
    if (expires_text.empty() || expires_text.size() > 15 ||
        expires_text.find_first_not_of("0123456789") != std::string_view::npos) {
        co_return forbidden();
    }
    const core::TimePoint expires_at{std::chrono::milliseconds{std::stoll(std::string(expires_text))}};
    if (!services.url_signer.Verify(key, expires_at, signature->as_string(), Now())) {
        co_return forbidden();
    }
    struct Opened {
        std::unique_ptr<core::BlobReader> reader;
        std::int64_t size = 0;
    };
    auto opened = co_await runtime::RunBlocking(services.blocking, [&]() -> core::Result<Opened> {
        auto reader = services.files.Open(key);
        if (!reader) {
            return reader.error();
        }
        auto size = services.files.Size(key);
        if (!size) {
            return size.error();
        }
        return Opened{std::move(*reader), *size};
    });
    if (!opened) {
        co_return ErrorResponse(opened.error());
    }
    Response response;
    response.content_type = key.ends_with(".csv") ? "text/csv" : "application/octet-stream";
    response.headers.emplace_back("Content-Disposition", ContentDisposition(DownloadName(key)));
    response.headers.emplace_back("Cache-Control", "private, no-store");
    response.body_reader = std::move(opened->reader);
    response.body_size = static_cast<std::uint64_t>(opened->size);
    co_return response;
}

}  // namespace

std::string SanitizeUploadName(std::string_view filename) {
    const std::size_t slash = filename.find_last_of("/\\");
    std::string_view base = slash == std::string_view::npos ? filename : filename.substr(slash + 1);
    std::string name;
    for (const char c : base.substr(0, kMaxNameBytes)) {
        const bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          std::string_view(" ._()+,-").find(c) != std::string_view::npos;
        name.push_back(kept ? c : '_');
    }
    if (name.find_first_not_of(". ") == std::string::npos) {
        return "file";  // nothing but dots and spaces: no name at all
    }
    return name;
}

std::string PercentEncodeKey(std::string_view key) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string encoded;
    encoded.reserve(key.size() * 3);
    for (const char c : key) {
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            encoded.push_back(c);
        } else {
            const auto byte = static_cast<unsigned char>(c);
            encoded.push_back('%');
            encoded.push_back(kHex[byte >> 4U]);
            encoded.push_back(kHex[byte & 0x0FU]);
        }
    }
    return encoded;
}

std::string SignedDownloadUrl(const auth::UrlSigner& signer,
                              std::string_view base,
                              std::string_view key,
                              core::TimePoint expires_at) {
    return std::string(base) + "/files/" + PercentEncodeKey(key) +
           "?expires=" + std::to_string(expires_at.time_since_epoch().count()) +
           "&signature=" + signer.Sign(key, expires_at);
}

void AddUploadRoutes(Router& router, const Services& services) {
    // download-url before nothing that could shadow it: the router takes the first match.
    router.Add("POST", "/admin/uploads/download-url",
               [services](Call& call) { return DownloadUrl(services, call); });
    router.Add("POST", "/admin/uploads/protected",
               [services](Call& call) { return Upload(services, call, "protected"); });
    router.Add("POST", "/admin/uploads",
               [services](Call& call) { return Upload(services, call, "uploads"); });
    router.Add("DELETE", "/admin/uploads", [services](Call& call) { return Delete(services, call); });
    router.Add("GET", "/files/:key", [services](Call& call) { return Download(services, call); });
}

}  // namespace batchd::http

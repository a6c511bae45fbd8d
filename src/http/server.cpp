// The one translation unit that includes Beast (≈25 s of compile each): everything HTTP-parsing
// lives here, and handlers see only http::Request and http::Response.
#include "http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "http/api.hpp"
#include "http/errors.hpp"
#include "support/ascii.hpp"

namespace batchd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// After a 413 (or 431, or 400) the client is usually still sending; reading (and dropping) it lets
// the client see the answer instead of a reset. Bounded in bytes and time.
constexpr std::size_t kMaxDrainBytes = 4 * 1024 * 1024;
constexpr std::chrono::milliseconds kMaxDrainTime{5'000};
// A download is sent in pieces of this size: memory per download stays flat.
constexpr std::size_t kDownloadChunk = 64 * 1024;
// The routes whose multipart bodies are spooled to a file instead of memory (MEDUSA-SPEC §5).
constexpr std::array<std::string_view, 2> kUploadPaths{"/admin/uploads", "/admin/uploads/protected"};

// One io thread: its io_context, its acceptor and the connections it serves. Only that thread
// touches `sessions` and `stopping` (Stop posts to it).
struct Worker {
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    std::thread thread;
    std::unordered_set<beast::tcp_stream*> sessions;
    bool stopping = false;
};

template <class Fn>
class ScopeExit {
public:
    explicit ScopeExit(Fn fn) : fn_(std::move(fn)) {}
    ~ScopeExit() { fn_(); }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

private:
    Fn fn_;
};

// Whether the body of this request goes to a spool file: a multipart POST to an upload route
// (matched as the router does: case-insensitively, one trailing '/' ignored).
template <class Body>
bool IsUpload(const bhttp::request<Body>& message) {
    if (message.method() != bhttp::verb::post) {
        return false;
    }
    std::string_view path(message.target().data(), message.target().size());
    path = path.substr(0, path.find('?'));
    if (path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    const auto matches = [&](std::string_view upload) { return EqualsIgnoringAsciiCase(path, upload); };
    if (std::none_of(kUploadPaths.begin(), kUploadPaths.end(), matches)) {
        return false;
    }
    std::string_view type(message[bhttp::field::content_type].data(),
                          message[bhttp::field::content_type].size());
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) {
        type.remove_prefix(1);
    }
    return StartsWithIgnoringAsciiCase(type, "multipart/");
}

// A name for a new spool file that no other request, here or in another process, uses.
std::filesystem::path NewSpoolPath() {
    static const std::uint64_t kProcessNonce = [] {
        std::random_device device;
        return (std::uint64_t{device()} << 32U) | device();
    }();
    static std::atomic<std::uint64_t> counter{0};
    std::error_code ignored;
    std::filesystem::path folder = std::filesystem::temp_directory_path(ignored);
    if (folder.empty()) {
        folder = "/tmp";
    }
    return folder / ("batchd-upload-" + std::to_string(getpid()) + "-" + std::to_string(kProcessNonce) + "-" +
                     std::to_string(counter.fetch_add(1)));
}

/// Owns a spool file: removes it when the request is done, whatever way it ends.
class SpoolFile {
public:
    SpoolFile() = default;
    ~SpoolFile() { Remove(); }
    SpoolFile(const SpoolFile&) = delete;
    SpoolFile& operator=(const SpoolFile&) = delete;

    const std::filesystem::path& Make() {
        path_ = NewSpoolPath();
        return path_;
    }

    void Remove() {
        if (!path_.empty()) {
            std::error_code ignored;
            std::filesystem::remove(path_, ignored);
            path_.clear();
        }
    }

private:
    std::filesystem::path path_;
};

// Method, target and headers; the body is the caller's business.
template <class Body>
Request ToRequestHead(const bhttp::request<Body>& message) {
    Request request;
    request.method = std::string(message.method_string());
    const std::string_view target(message.target().data(), message.target().size());
    const auto question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
        request.query = std::string(target.substr(question + 1));
    }
    for (const auto& field : message) {
        request.headers.emplace_back(
            AsciiLower(std::string_view(field.name_string().data(), field.name_string().size())),
            std::string(field.value().data(), field.value().size()));
    }
    return request;
}

Request ToRequest(bhttp::request<bhttp::string_body>&& message) {
    Request request = ToRequestHead(message);
    request.body = std::move(message.body());
    return request;
}

bhttp::response<bhttp::string_body> ToMessage(Response&& response, unsigned version, bool keep_alive) {
    bhttp::response<bhttp::string_body> message;
    message.version(version);
    message.result(static_cast<unsigned>(response.status));
    message.set(bhttp::field::server, "batchd");
    if (!response.content_type.empty()) {
        message.set(bhttp::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) {
        message.insert(name, value);
    }
    message.body() = std::move(response.body);
    message.keep_alive(keep_alive);
    message.prepare_payload();
    return message;
}

// The header, then body_size bytes from the reader, piece by piece. Once the header is out the status
// cannot change: a reader that fails or ends early can only close the connection (false).
asio::awaitable<bool> SendStreamed(beast::tcp_stream& stream,
                                   Response response,
                                   unsigned version,
                                   bool keep_alive,
                                   std::chrono::milliseconds timeout) {
    bhttp::response<bhttp::empty_body> header;
    header.version(version);
    header.result(static_cast<unsigned>(response.status));
    header.set(bhttp::field::server, "batchd");
    if (!response.content_type.empty()) {
        header.set(bhttp::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) {
        header.insert(name, value);
    }
    header.keep_alive(keep_alive);
    header.content_length(response.body_size);
    bhttp::response_serializer<bhttp::empty_body> serializer{header};
    stream.expires_after(timeout);
    auto [error, written] = co_await bhttp::async_write_header(stream, serializer, kUseTuple);
    if (error) {
        co_return false;
    }
    std::uint64_t left = response.body_size;
    while (left > 0) {
        auto piece = response.body_reader->Read(
            static_cast<std::size_t>(std::min<std::uint64_t>(left, kDownloadChunk)));
        if (!piece || piece->empty()) {
            spdlog::warn("download ended {} bytes early: {}", left,
                         piece ? "the file shrank" : piece.error().detail);
            co_return false;
        }
        left -= std::min<std::uint64_t>(left, piece->size());
        stream.expires_after(timeout);
        auto [write_error, sent] = co_await asio::async_write(stream, asio::buffer(*piece), kUseTuple);
        if (write_error) {
            co_return false;
        }
    }
    co_return true;
}

asio::awaitable<bool> Send(beast::tcp_stream& stream,
                           Response response,
                           unsigned version,
                           bool keep_alive,
                           std::chrono::milliseconds timeout) {
    if (response.body_reader) {
        co_return co_await SendStreamed(stream, std::move(response), version, keep_alive, timeout);
    }
    auto message = ToMessage(std::move(response), version, keep_alive);
    stream.expires_after(timeout);
    auto [error, written] = co_await bhttp::async_write(stream, message, kUseTuple);
    co_return !error;
}

// 400 for a request that is not (acceptable) HTTP; the connection closes after it.
Response MalformedRequest(std::string_view why) {
    return JsonErrorResponse(400, "invalid_data", "Malformed HTTP request: " + std::string(why));
}

// Half-closes, then reads and drops what the client still sends until it closes too.
asio::awaitable<void> DrainAndClose(beast::tcp_stream& stream, std::chrono::milliseconds timeout) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::min(timeout, kMaxDrainTime));
    std::array<char, 16 * 1024> scratch{};
    std::size_t drained = 0;
    while (drained < kMaxDrainBytes) {
        auto [error, read] = co_await stream.async_read_some(asio::buffer(scratch), kUseTuple);
        if (error) {
            break;
        }
        drained += read;
    }
}

// Whether the body's length is known: no Transfer-Encoding (Content-Length or nothing), or exactly
// `chunked`, the only transfer coding batchd decodes.
template <class Body>
bool HasKnownFraming(const bhttp::request<Body>& message) {
    const auto field = message.find(bhttp::field::transfer_encoding);
    if (field == message.end()) {
        return true;
    }
    return EqualsIgnoringAsciiCase(TrimBlanks(std::string_view(field->value().data(), field->value().size())),
                                   "chunked") &&
           message.count(bhttp::field::transfer_encoding) == 1;
}

bool IsParseError(const beast::error_code& error) {
    return error.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

class Server::Impl {
public:
    Impl(ServerConfig config, Handler handler, Admission admission)
        : config_(std::move(config)), handler_(std::move(handler)), admission_(std::move(admission)) {}

    ~Impl() { Stop(); }

    std::uint16_t Start() {
        std::scoped_lock lock{mu_};
        if (started_) {
            return port_;
        }
        const int threads = std::max(1, config_.io_threads);
        const tcp::endpoint requested{asio::ip::make_address(config_.address), config_.port};
        if (config_.port != 0) {
            RefuseTakenPort(requested);
        }
        for (int i = 0; i < threads; ++i) {
            auto worker = std::make_unique<Worker>();
            const tcp::endpoint endpoint{requested.address(), i == 0 ? config_.port : port_};
            worker->acceptor.open(endpoint.protocol());
            worker->acceptor.set_option(asio::socket_base::reuse_address(true));
            worker->acceptor.set_option(ReusePort(true));
            worker->acceptor.bind(endpoint);
            worker->acceptor.listen(asio::socket_base::max_listen_connections);
            port_ = worker->acceptor.local_endpoint().port();
            workers_.push_back(std::move(worker));
        }
        for (auto& worker : workers_) {
            asio::co_spawn(worker->io, Accept(*worker), asio::detached);
            worker->thread = std::thread([this, io = &worker->io] { Run(*io); });
        }
        started_ = true;
        return port_;
    }

    void Stop() {
        std::scoped_lock lock{mu_};
        if (!started_ || stopped_) {
            return;
        }
        stopped_ = true;
        for (auto& worker : workers_) {
            asio::post(worker->io, [w = worker.get()] {
                w->stopping = true;
                beast::error_code ignored;
                w->acceptor.close(ignored);
                for (beast::tcp_stream* stream : w->sessions) {
                    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                    stream->close();
                }
            });
        }
        // The io_contexts run out of work once every session has ended, including those waiting
        // for blocking work in flight: joining waits for that instead of abandoning it.
        for (auto& worker : workers_) {
            if (worker->thread.joinable()) {
                worker->thread.join();
            }
        }
    }

private:
    // With SO_REUSEPORT a second server on a taken port would silently share it; a plain bind
    // (no SO_REUSEPORT) fails if anyone listens there, which is the error we want.
    static void RefuseTakenPort(const tcp::endpoint& endpoint) {
        asio::io_context io;
        tcp::acceptor probe{io};
        probe.open(endpoint.protocol());
        probe.set_option(asio::socket_base::reuse_address(true));
        probe.bind(endpoint);  // throws: address already in use
    }

    static void Run(asio::io_context& io) {
        for (;;) {
            try {
                io.run();
                return;
            } catch (const std::exception& error) {
                spdlog::critical("io thread: unexpected exception: {}", error.what());
            }
        }
    }

    asio::awaitable<void> Accept(Worker& worker) {
        for (;;) {
            auto [error, socket] = co_await worker.acceptor.async_accept(kUseTuple);
            if (worker.stopping || !worker.acceptor.is_open()) {
                co_return;
            }
            if (error) {
                // Out of descriptors, usually: wait a little instead of spinning.
                spdlog::warn("accept failed: {}", error.message());
                asio::steady_timer pause{worker.io, std::chrono::milliseconds(50)};
                co_await pause.async_wait(kUseTuple);
                continue;
            }
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            asio::co_spawn(worker.io, Session(worker, std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> Session(Worker& worker, tcp::socket socket) {
        if (worker.stopping) {
            co_return;
        }
        beast::tcp_stream stream{std::move(socket)};
        worker.sessions.insert(&stream);
        const ScopeExit unregister{[&] { worker.sessions.erase(&stream); }};
        try {
            co_await Serve(worker, stream);
        } catch (const std::exception& error) {
            spdlog::error("http session: {}", error.what());
        }
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.close();
    }

    // Answers the requests of one connection until it closes, times out or must be closed.
    asio::awaitable<void> Serve(Worker& worker, beast::tcp_stream& stream) {
        beast::flat_buffer buffer;
        while (!worker.stopping) {
            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(config_.header_limit);
            // Beast would check Content-Length against a limit while it parses the header, before we
            // know whether this is an upload: none here, the right one just below.
            parser.body_limit(boost::none);
            // One deadline for the whole request: a client that trickles it in is dropped.
            stream.expires_after(config_.read_timeout);
            auto [error, read] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
            if (error) {
                co_await AnswerReadError(stream, error, config_.body_limit);
                co_return;
            }
            if (!HasKnownFraming(parser.get())) {
                // Where such a body ends is anyone's guess (RFC 9112 §6.3): guessing differently
                // from a proxy in front is how requests get smuggled. Node refuses it too.
                Response response = MalformedRequest("unsupported Transfer-Encoding");
                co_await SendThenDrain(stream, std::move(response));
                co_return;
            }
            const bool upload = IsUpload(parser.get());
            const std::uint64_t limit = upload ? config_.upload_limit : std::uint64_t{config_.body_limit};
            if (const auto length = parser.content_length(); length && *length > limit) {
                co_await AnswerReadError(stream, bhttp::error::body_limit, limit);
                co_return;
            }
            parser.body_limit(limit);  // a chunked body counts down from here
            const unsigned version = parser.get().version();
            bool keep_alive = parser.get().keep_alive();
            const bool log_request = spdlog::should_log(spdlog::level::debug);
            const std::string target = log_request ? std::string(parser.get().method_string()) + " " +
                                                         std::string(parser.get().target())
                                                   : std::string();
            if (upload && admission_) {
                // Credentials before the body: nobody may fill the spool folder unauthenticated. The
                // unread body stays on the wire, so the connection closes after the refusal.
                std::optional<Response> refusal = co_await admission_(ToRequestHead(parser.get()));
                if (refusal) {
                    co_await Send(stream, std::move(*refusal), version, false, config_.read_timeout);
                    beast::error_code ignored;
                    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                    co_return;
                }
            }
            SpoolFile spool;  // removed as soon as the handler is done with it, however it ends
            Request request;
            if (upload) {
                error = co_await ReadUpload(stream, buffer, parser, spool.Make(), request);
            } else {
                error = co_await ReadBody(stream, buffer, parser);
                if (!error) {
                    request = ToRequest(parser.release());
                }
            }
            if (error) {
                spool.Remove();
                co_await AnswerReadError(stream, error, limit);
                co_return;
            }
            Response response;
            try {
                response = co_await handler_(std::move(request));
            } catch (const std::exception& failure) {
                spdlog::error("http handler: {}", failure.what());
                response = InternalErrorResponse();
                keep_alive = false;
            }
            spool.Remove();  // the response never refers to it: gone before the client hears back
            if (log_request) {
                spdlog::debug("http {} -> {}", target, response.status);
            }
            if (!co_await Send(stream, std::move(response), version, keep_alive, config_.read_timeout)) {
                co_return;
            }
            if (!keep_alive) {
                beast::error_code ignored;
                stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                co_return;
            }
        }
    }

    // A client that sent "Expect: 100-continue" waits for this before it sends the body.
    static asio::awaitable<beast::error_code> SendContinue(beast::tcp_stream& stream,
                                                           const bhttp::request<bhttp::string_body>& header) {
        if (!beast::iequals(header[bhttp::field::expect], "100-continue")) {
            co_return beast::error_code{};
        }
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [error, sent] =
            co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()), kUseTuple);
        co_return error;
    }

    // The rest of an ordinary request, into memory, within the request's one deadline.
    static asio::awaitable<beast::error_code> ReadBody(beast::tcp_stream& stream,
                                                       beast::flat_buffer& buffer,
                                                       bhttp::request_parser<bhttp::string_body>& parser) {
        if (parser.is_done()) {
            co_return beast::error_code{};
        }
        if (auto error = co_await SendContinue(stream, parser.get())) {
            co_return error;
        }
        auto [error, read] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
        co_return error;
    }

    // The body of an upload, into a new spool file at `path`; fills `request` (body_file = path).
    // The deadline is reset whenever bytes arrive: a large upload may take a while, an idle one not.
    asio::awaitable<beast::error_code> ReadUpload(beast::tcp_stream& stream,
                                                  beast::flat_buffer& buffer,
                                                  bhttp::request_parser<bhttp::string_body>& header_parser,
                                                  const std::filesystem::path& path,
                                                  Request& request) {
        beast::error_code error = co_await SendContinueIfBody(stream, header_parser);
        if (error) {
            co_return error;
        }
        bhttp::request_parser<bhttp::file_body> parser{std::move(header_parser)};
        parser.body_limit(config_.upload_limit);
        parser.get().body().open(path.c_str(), beast::file_mode::write_new, error);
        if (error) {
            spdlog::error("cannot create the upload spool file {}: {}", path.string(), error.message());
            co_return error;
        }
        while (!parser.is_done()) {
            stream.expires_after(config_.read_timeout);
            auto [read_error, read] = co_await bhttp::async_read_some(stream, buffer, parser, kUseTuple);
            if (read_error) {
                co_return read_error;
            }
        }
        parser.get().body().close();
        request = ToRequestHead(parser.get());
        request.body_file = path;
        co_return beast::error_code{};
    }

    static asio::awaitable<beast::error_code> SendContinueIfBody(
        beast::tcp_stream& stream, const bhttp::request_parser<bhttp::string_body>& parser) {
        if (parser.is_done()) {
            co_return beast::error_code{};
        }
        co_return co_await SendContinue(stream, parser.get());
    }

    asio::awaitable<void> AnswerReadError(beast::tcp_stream& stream,
                                          const beast::error_code& error,
                                          std::uint64_t body_limit) {
        if (error == bhttp::error::body_limit) {
            Response response =
                ErrorResponse(core::Error{core::Errc::kTooLarge, "Request body is larger than the limit of " +
                                                                     std::to_string(body_limit) + " bytes"});
            if (co_await Send(stream, std::move(response), 11, false, config_.read_timeout)) {
                co_await DrainAndClose(stream, config_.read_timeout);
            }
            co_return;
        }
        if (error == bhttp::error::header_limit) {
            // The rest of the head (and any body) is still coming: drained, or the close would
            // reset the connection and the client might never read the answer.
            // Named, not a temporary inside the awaited condition (see SendThenDrain).
            Response response = JsonErrorResponse(431, "invalid_data", "Request header fields are too large");
            const bool sent = co_await Send(stream, std::move(response), 11, false, config_.read_timeout);
            if (sent) {
                co_await DrainAndClose(stream, config_.read_timeout);
            }
            co_return;
        }
        // The spool disk is full (or the spool file cannot be made): the client may retry later.
        if (error == boost::system::errc::no_space_on_device ||
            error == boost::system::errc::file_too_large || error == boost::system::errc::permission_denied ||
            error == boost::system::errc::file_exists) {
            Response response = ErrorResponse(core::Error{core::Errc::kUnavailable, error.message()});
            co_await Send(stream, std::move(response), 11, false, config_.read_timeout);
            co_return;
        }
        // A clean close between requests, a timeout, a reset: nobody to answer.
        if (error == bhttp::error::end_of_stream || error == beast::error::timeout || !IsParseError(error)) {
            co_return;
        }
        Response response = MalformedRequest(error.message());
        co_await SendThenDrain(stream, std::move(response));
    }

    // Sends a final answer, then drains what the client still sends before the close. The caller
    // builds `response` as a named local: GCC 12 miscompiled coroutines whose by-value argument was
    // a temporary made in the awaited call (a garbage string under TSan, a SIGILL in the dev build).
    asio::awaitable<void> SendThenDrain(beast::tcp_stream& stream, Response response) {
        const bool sent = co_await Send(stream, std::move(response), 11, false, config_.read_timeout);
        if (sent) {
            co_await DrainAndClose(stream, config_.read_timeout);
        }
    }

    ServerConfig config_;
    Handler handler_;
    Admission admission_;
    std::mutex mu_;
    bool started_ = false;  // guarded by mu_
    bool stopped_ = false;  // guarded by mu_
    std::uint16_t port_ = 0;
    std::vector<std::unique_ptr<Worker>> workers_;
};

Server::Server(ServerConfig config, Services services) {
    auto api = std::make_shared<const Api>(services);
    impl_ = std::make_unique<Impl>(
        std::move(config), [api](Request request) { return api->Handle(std::move(request)); },
        [api](const Request& head) { return api->Admit(head); });
}

Server::Server(ServerConfig config, Handler handler, Admission admission)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler), std::move(admission))) {}

Server::~Server() = default;

std::uint16_t Server::Start() { return impl_->Start(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace batchd::http

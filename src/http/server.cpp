// The one translation unit that includes Beast (≈25 s of compile each): everything HTTP-parsing
// lives here, and handlers see only http::Request and http::Response.
#include "http/server.hpp"

#include <array>
#include <mutex>
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
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "http/api.hpp"
#include "http/errors.hpp"

namespace batchd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// After a 413 the client is usually still sending its body; reading (and dropping) it lets the
// client see the answer instead of a reset. Bounded in bytes and time.
constexpr std::size_t kMaxDrainBytes = 4 * 1024 * 1024;
constexpr std::chrono::seconds kMaxDrainTime{5};

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

std::string Lower(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return lower;
}

Request ToRequest(bhttp::request<bhttp::string_body>&& message) {
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
            Lower(std::string_view(field.name_string().data(), field.name_string().size())),
            std::string(field.value().data(), field.value().size()));
    }
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

asio::awaitable<bool> Send(beast::tcp_stream& stream,
                           Response response,
                           unsigned version,
                           bool keep_alive,
                           std::chrono::seconds timeout) {
    auto message = ToMessage(std::move(response), version, keep_alive);
    stream.expires_after(timeout);
    auto [error, written] = co_await bhttp::async_write(stream, message, kUseTuple);
    co_return !error;
}

// Half-closes, then reads and drops what the client still sends until it closes too.
asio::awaitable<void> DrainAndClose(beast::tcp_stream& stream, std::chrono::seconds timeout) {
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

bool IsParseError(const beast::error_code& error) {
    return error.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

class Server::Impl {
public:
    Impl(ServerConfig config, Handler handler) : config_(std::move(config)), handler_(std::move(handler)) {}

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
            parser.header_limit(kHeaderLimit);
            parser.body_limit(config_.body_limit);
            // One deadline for the whole request: a client that trickles it in is dropped.
            stream.expires_after(config_.read_timeout);
            auto [error, read] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
            if (!error && !parser.is_done()) {
                if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
                    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                    auto [continue_error, sent] = co_await asio::async_write(
                        stream, asio::buffer(kContinue.data(), kContinue.size()), kUseTuple);
                    error = continue_error;
                }
                if (!error) {
                    std::tie(error, read) = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
                }
            }
            if (error) {
                co_await AnswerReadError(stream, error);
                co_return;
            }
            const unsigned version = parser.get().version();
            bool keep_alive = parser.get().keep_alive();
            const bool log_request = spdlog::should_log(spdlog::level::debug);
            const std::string target = log_request ? std::string(parser.get().method_string()) + " " +
                                                         std::string(parser.get().target())
                                                   : std::string();
            Response response;
            try {
                response = co_await handler_(ToRequest(parser.release()));
            } catch (const std::exception& failure) {
                spdlog::error("http handler: {}", failure.what());
                response = InternalErrorResponse();
                keep_alive = false;
            }
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

    asio::awaitable<void> AnswerReadError(beast::tcp_stream& stream, const beast::error_code& error) {
        if (error == bhttp::error::body_limit) {
            Response response = ErrorResponse(core::Error{
                core::Errc::kTooLarge,
                "Request body is larger than the limit of " + std::to_string(config_.body_limit) + " bytes"});
            if (co_await Send(stream, std::move(response), 11, false, config_.read_timeout)) {
                co_await DrainAndClose(stream, config_.read_timeout);
            }
            co_return;
        }
        if (error == bhttp::error::header_limit) {
            co_await Send(stream,
                          JsonErrorResponse(431, "invalid_data", "Request header fields are too large"), 11,
                          false, config_.read_timeout);
            co_return;
        }
        // A clean close between requests, a timeout, a reset: nobody to answer.
        if (error == bhttp::error::end_of_stream || error == beast::error::timeout || !IsParseError(error)) {
            co_return;
        }
        co_await Send(stream,
                      JsonErrorResponse(400, "invalid_data", "Malformed HTTP request: " + error.message()),
                      11, false, config_.read_timeout);
    }

    ServerConfig config_;
    Handler handler_;
    std::mutex mu_;
    bool started_ = false;  // guarded by mu_
    bool stopped_ = false;  // guarded by mu_
    std::uint16_t port_ = 0;
    std::vector<std::unique_ptr<Worker>> workers_;
};

Server::Server(ServerConfig config, Services services) {
    auto api = std::make_shared<const Api>(services);
    impl_ = std::make_unique<Impl>(std::move(config),
                                   [api](Request request) { return api->Handle(std::move(request)); });
}

Server::Server(ServerConfig config, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler))) {}

Server::~Server() = default;

std::uint16_t Server::Start() { return impl_->Start(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace batchd::http

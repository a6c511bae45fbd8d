#include "bus/redis/redis_handle.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>
#include <sys/time.h>

namespace batchd::bus::redis {
namespace {

timeval ToTimeval(std::chrono::milliseconds duration) {
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(duration.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((duration.count() % 1000) * 1000);
    return tv;
}

int ParseNumber(std::string_view text, std::string_view what) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < 0) {
        throw std::runtime_error(fmt::format("REDIS_URL: the {} \"{}\" is not a number", what, text));
    }
    return value;
}

}  // namespace

std::string RedisEndpoint::Describe() const {
    return host.find(':') == std::string::npos ? fmt::format("{}:{}", host, port)
                                               : fmt::format("[{}]:{}", host, port);
}

RedisEndpoint ParseRedisUrl(std::string_view url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        throw std::runtime_error("REDIS_URL is not a URL (expected redis://[:password@]host:port[/db])");
    }
    const boost::urls::url_view& uri = *parsed;
    if (uri.scheme() != "redis") {
        throw std::runtime_error(
            fmt::format("REDIS_URL must start with redis:// (got \"{}://…\"; TLS is not supported)",
                        std::string_view{uri.scheme()}));
    }
    RedisEndpoint endpoint;
    endpoint.host = uri.host_address();
    if (endpoint.host.empty()) {
        throw std::runtime_error("REDIS_URL names no host (expected redis://[:password@]host:port[/db])");
    }
    if (uri.has_port()) {
        endpoint.port = ParseNumber(uri.port(), "port");
        if (endpoint.port == 0 || endpoint.port > 65535) {
            throw std::runtime_error(fmt::format("REDIS_URL: the port {} is out of range", endpoint.port));
        }
    }
    if (uri.has_userinfo()) {
        endpoint.user = uri.user();
        endpoint.password = uri.password();
    }
    const std::string_view path = uri.encoded_path();
    if (!path.empty() && path != "/") {
        endpoint.db = ParseNumber(path.substr(1), "database number");
    }
    return endpoint;
}

core::Result<RedisConnection> RedisConnection::Open(const RedisEndpoint& endpoint,
                                                    std::chrono::milliseconds timeout) {
    RedisContext context{redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, ToTimeval(timeout))};
    if (!context) {
        return core::Error{core::Errc::kUnavailable, "out of memory for a Redis connection"};
    }
    RedisConnection connection{std::move(context), timeout};  // owns the context even when connecting failed
    if (connection.context_->err != 0) {
        return connection.Broken();
    }
    if (redisSetTimeout(connection.context_.get(), ToTimeval(timeout)) != REDIS_OK ||
        redisEnableKeepAlive(connection.context_.get()) != REDIS_OK) {
        return connection.Broken();
    }
    std::vector<RedisCommand> setup;
    if (!endpoint.password.empty()) {
        setup.push_back(endpoint.user.empty() ? RedisCommand{"AUTH", endpoint.password}
                                              : RedisCommand{"AUTH", endpoint.user, endpoint.password});
    }
    if (endpoint.db != 0) {
        setup.push_back({"SELECT", std::to_string(endpoint.db)});
    }
    if (!setup.empty()) {
        auto replies = connection.RunAll(setup);
        if (!replies) {
            return replies.error();
        }
        for (const RedisReply& reply : *replies) {
            if (IsError(*reply)) {
                return core::Error{core::Errc::kUnavailable,
                                   fmt::format("Redis refused the connection's setup: {}", Text(*reply))};
            }
        }
    }
    return connection;
}

core::Result<RedisReply> RedisConnection::Run(const RedisCommand& command) {
    auto replies = RunAll({command});
    if (!replies) {
        return replies.error();
    }
    return std::move(replies->front());
}

core::Result<std::vector<RedisReply>> RedisConnection::RunAll(const std::vector<RedisCommand>& commands) {
    if (context_->err != 0) {
        return Broken();
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const RedisCommand& command : commands) {
        argv.clear();
        lengths.clear();
        for (const std::string& word : command) {
            argv.push_back(word.data());
            lengths.push_back(word.size());
        }
        if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                                   lengths.data()) != REDIS_OK) {
            return Broken();
        }
    }
    std::vector<RedisReply> replies;
    replies.reserve(commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
        void* raw = nullptr;
        const int rc = redisGetReply(context_.get(), &raw);
        RedisReply reply{static_cast<redisReply*>(raw)};
        if (rc != REDIS_OK || !reply) {
            return Broken();
        }
        replies.push_back(std::move(reply));
    }
    return replies;
}

core::Error RedisConnection::Broken() const {
    if (context_->err == 0) {
        return core::Error{core::Errc::kUnavailable, "the connection is broken"};
    }
    // hiredis reports a read or write timeout as an I/O error with EAGAIN's text.
    const std::string_view what = context_->errstr;
    if (context_->err == REDIS_ERR_IO &&
        (what == std::strerror(EAGAIN) || what == std::strerror(EWOULDBLOCK))) {
        return core::Error{core::Errc::kUnavailable, fmt::format("no answer within {} ms", timeout_.count())};
    }
    return core::Error{core::Errc::kUnavailable, std::string(what)};
}

bool IsError(const redisReply& reply) { return reply.type == REDIS_REPLY_ERROR; }

bool IsError(const redisReply& reply, std::string_view code) {
    return IsError(reply) && Text(reply).starts_with(code);
}

std::string_view Text(const redisReply& reply) {
    if ((reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS ||
         reply.type == REDIS_REPLY_ERROR) &&
        reply.str != nullptr) {
        return {reply.str, reply.len};
    }
    return {};
}

const redisReply* Element(const redisReply& reply, std::size_t i) {
    if (reply.type != REDIS_REPLY_ARRAY || i >= reply.elements) {
        return nullptr;
    }
    return reply.element[i];
}

std::size_t Size(const redisReply& reply) { return reply.type == REDIS_REPLY_ARRAY ? reply.elements : 0; }

}  // namespace batchd::bus::redis

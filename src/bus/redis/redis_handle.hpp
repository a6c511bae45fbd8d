#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "core/error.hpp"
#include "support/c_handle.hpp"

namespace batchd::bus::redis {

using RedisContext = std::unique_ptr<redisContext, CFree<&redisFree>>;
using RedisReply = std::unique_ptr<redisReply, CFree<&freeReplyObject>>;

/// A parsed `redis://[[user]:password@]host[:port][/db]`.
struct RedisEndpoint {
    std::string host;
    int port = 6379;
    std::string user;      // empty: AUTH with the password alone (requirepass)
    std::string password;  // empty: no AUTH
    int db = 0;            // SELECTed when not 0

    /// "host:port", for logs (never the password).
    [[nodiscard]] std::string Describe() const;
};

/// Throws std::runtime_error naming what is wrong (never echoing the password).
[[nodiscard]] RedisEndpoint ParseRedisUrl(std::string_view url);

/// One command: its words, sent binary-safe (no format strings, no quoting).
using RedisCommand = std::vector<std::string>;

/// One hiredis connection (blocking mode, with a read/write timeout). Owns its context.
///
/// Results: an Error (kUnavailable) means the connection is broken (I/O error, timeout, closed by
/// the server) and must be dropped; a reply of type REDIS_REPLY_ERROR is a value like any other, for
/// the caller to judge (NOGROUP, BUSYGROUP, LOADING, …).
/// Thread safety: none, as hiredis's redisContext: one thread at a time.
class RedisConnection {
public:
    /// Connects (at most `timeout`), sets `timeout` for every later read and write, then AUTH and
    /// SELECT as the endpoint says. kUnavailable, with the reason, when any of that fails.
    [[nodiscard]] static core::Result<RedisConnection> Open(const RedisEndpoint& endpoint,
                                                            std::chrono::milliseconds timeout);

    /// Sends one command and waits for its reply.
    [[nodiscard]] core::Result<RedisReply> Run(const RedisCommand& command);

    /// Pipelining: sends every command, then reads their replies, in order (one round trip).
    [[nodiscard]] core::Result<std::vector<RedisReply>> RunAll(const std::vector<RedisCommand>& commands);

private:
    RedisConnection(RedisContext context, std::chrono::milliseconds timeout)
        : context_(std::move(context)), timeout_(timeout) {}

    [[nodiscard]] core::Error Broken() const;

    RedisContext context_;
    std::chrono::milliseconds timeout_;
};

// Reading replies. Each is safe on any reply (wrong type: the empty or false answer).

/// A reply of type error.
[[nodiscard]] bool IsError(const redisReply& reply);
/// An error reply whose text starts with `code` ("NOGROUP", "BUSYGROUP").
[[nodiscard]] bool IsError(const redisReply& reply, std::string_view code);
/// The text of a string, status or error reply; empty otherwise.
[[nodiscard]] std::string_view Text(const redisReply& reply);
/// Element `i` of an array reply, or nullptr.
[[nodiscard]] const redisReply* Element(const redisReply& reply, std::size_t i);
/// The number of elements of an array reply (0 for any other type).
[[nodiscard]] std::size_t Size(const redisReply& reply);

}  // namespace batchd::bus::redis

#pragma once

#include <type_traits>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace batchd::runtime {

/// The only bridge from coroutine code to blocking code (HOUSE-STYLE §3.7): `fn` runs on `pool`,
/// the caller resumes on its own executor, and an exception propagates to the caller.
template <class Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&>> RunBlocking(boost::asio::thread_pool& pool, Fn fn) {
    co_return co_await boost::asio::co_spawn(
        pool,
        [fn = std::move(fn)]() mutable -> boost::asio::awaitable<std::invoke_result_t<Fn&>> {
            co_return fn();
        },
        boost::asio::use_awaitable);
}

}  // namespace batchd::runtime

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/message.hpp"
#include "http/services.hpp"

namespace batchd::http {

struct ServerConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 9000;                            // 0: any free port (Start returns it)
    int io_threads = 2;                                   // one io_context and one acceptor each
    std::size_t body_limit = 102400;                      // bytes; a larger body gets 413 (v1's 100 KB)
    std::uint64_t upload_limit = std::uint64_t{1} << 30;  // bytes of a multipart upload body; larger: 413
    std::uint32_t header_limit = 16 * 1024;               // bytes of request line + headers; larger: 431
    // To read one whole request, header and body (an upload body: between two reads), to write
    // each piece of its response, and to wait for the next request on a kept-alive connection.
    std::chrono::milliseconds read_timeout{30'000};
};

/// The HTTP/1.1 server: Boost.Beast on C++20 coroutines, the only translation unit that sees Beast.
///
/// Threads: `io_threads` threads, each running its own io_context with its own acceptor on the same
/// port (SO_REUSEPORT: the kernel spreads connections). That measured faster here than one
/// io_context shared by all threads, and a connection never changes thread. Handlers run on their
/// connection's io thread and must not block (they use runtime::RunBlocking).
///
/// Per connection: keep-alive; each request must arrive whole within `read_timeout` or the
/// connection is dropped (a slow client holds nothing but its own socket); a body over `body_limit`
/// is answered 413, a request line + headers over `header_limit` 431, a request that is not HTTP
/// 400, each time closing the connection after draining (at most 4 MB, 5 s) what the client still
/// sends; an exception from the handler gets the generic 500, is logged, and closes the connection.
///
/// Uploads: the body of `POST /admin/uploads[/protected]` with a multipart Content-Type is never
/// held in memory. It is read (up to `upload_limit`) into a spool file in the system temp folder,
/// `batchd-upload-<random>`, created exclusively, once the Admission (if any) let its head in; the handler
/// gets its path in Request::body_file and the server deletes it when the handler returns (or the connection
/// fails), before it sends the response. The `read_timeout` of an upload body is an idle timeout (reset
/// whenever bytes arrive), since a large upload may rightly take longer than one read_timeout. A full spool
/// disk gets 503.
///
/// Downloads: a Response with a body_reader is sent in chunks read from it (see message.hpp).
///
/// Lifetime: Start once, Stop once (the destructor stops too). Start and Stop are called from one
/// controlling thread; everything else happens on the io threads.
class Server {
public:
    /// Serves the admin API (http::Api) over `services`, which must outlive the server.
    Server(ServerConfig config, Services services);

    /// Serves any handler: for tests and for embedding. `admission`, if given, sees each upload's
    /// head before its body is spooled.
    Server(ServerConfig config, Handler handler, Admission admission = {});

    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds, listens and starts the io threads. Returns the bound port (the real one for port 0).
    /// Throws boost::system::system_error when it cannot listen (a startup failure), also when
    /// another process already listens on the port.
    std::uint16_t Start();

    /// Stops accepting, closes every connection, waits for requests in flight to finish their
    /// blocking work, and joins the io threads. Idempotent.
    void Stop();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace batchd::http

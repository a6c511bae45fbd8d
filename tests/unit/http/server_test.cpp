// The server on a real socket, driven by a small blocking Beast client: what only a connection can
// show (keep-alive, timeouts, body limits, broken clients).
#include "http/server.hpp"

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "core/time_text.hpp"
#include "http_test_support.hpp"

namespace batchd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ClientResponse = bhttp::response<bhttp::string_body>;

/// One client connection; every read gives up after 10 s so that a broken server fails the test
/// instead of hanging it.
class Client {
public:
    explicit Client(std::uint16_t port) : socket_(io_) {
        socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        timeval timeout{10, 0};
        setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }

    ClientResponse Send(bhttp::verb method,
                        const std::string& target,
                        const std::string& body = {},
                        const std::string& token = "test_token") {
        bhttp::request<bhttp::string_body> request{method, target, 11};
        request.set(bhttp::field::host, "127.0.0.1");
        request.set(bhttp::field::content_type, "application/json");
        if (!token.empty()) {
            request.set("x-medusa-access-token", token);
        }
        request.body() = body;
        request.prepare_payload();
        bhttp::write(socket_, request);
        return Read();
    }

    ClientResponse Read() {
        ClientResponse response;
        bhttp::read(socket_, buffer_, response);
        return response;
    }

    void WriteRaw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes.data(), bytes.size())); }

    /// Whether the server closed the connection (a read ends with EOF or a reset).
    bool ClosedByServer() {
        std::array<char, 256> scratch{};
        beast::error_code error;
        while (true) {
            socket_.read_some(asio::buffer(scratch), error);
            if (error == asio::error::eof || error == asio::error::connection_reset) {
                return true;
            }
            if (error) {
                return false;  // the 10 s receive timeout: still open
            }
        }
    }

private:
    asio::io_context io_;
    tcp::socket socket_;
    beast::flat_buffer buffer_;
};

boost::json::value Json(const ClientResponse& response) { return boost::json::parse(response.body()); }

class ServerTest : public ::testing::Test {
protected:
    ServerTest() {
        config_.port = 0;
        config_.io_threads = 2;
        config_.read_timeout = std::chrono::seconds{1};
        server_ = std::make_unique<Server>(config_, world_.services());
        port_ = server_->Start();
        world_.Seed("job_1", "admin_user");
        world_.Seed("job_4", "member-user");
        world_.Seed("dry", "admin_user", [](core::BatchJob& job) {
            job.dry_run = true;
            job.pre_processed_at = core::ParseIsoTime("2024-01-01T00:00:00Z");
        });
    }

    ~ServerTest() override { server_->Stop(); }

    testing::ApiWorld world_;
    ServerConfig config_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
};

TEST_F(ServerTest, StartReturnsTheBoundPort) { EXPECT_NE(port_, 0); }

TEST_F(ServerTest, HealthNeedsNoToken) {
    Client client{port_};
    const ClientResponse response = client.Send(bhttp::verb::get, "/health", {}, "");
    EXPECT_EQ(response.result_int(), 200U);
    EXPECT_EQ(response.body(), R"({"status":"ok"})");
    EXPECT_EQ(response[bhttp::field::content_type], "application/json; charset=utf-8");
}

TEST_F(ServerTest, AdminRoutesWithoutTokenAre401) {
    Client client{port_};
    const ClientResponse response = client.Send(bhttp::verb::get, "/admin/batch-jobs", {}, "");
    EXPECT_EQ(response.result_int(), 401U);
    EXPECT_EQ(response.body(), "Unauthorized");
}

TEST_F(ServerTest, CreateListGetConfirmCancelOverOneKeptAliveConnection) {
    Client client{port_};
    const ClientResponse created = client.Send(bhttp::verb::post, "/admin/batch-jobs",
                                               R"({"type":"product-export","context":{},"dry_run":true})");
    ASSERT_EQ(created.result_int(), 201U) << created.body();
    EXPECT_TRUE(created.keep_alive());
    const std::string id(Json(created).at("batch_job").at("id").as_string());

    const ClientResponse list = client.Send(bhttp::verb::get, "/admin/batch-jobs?type%5B0%5D=product-export");
    ASSERT_EQ(list.result_int(), 200U) << list.body();
    EXPECT_EQ(Json(list).at("count"), 3);  // job_1, dry and the new one; not member-user's job_4

    const ClientResponse got = client.Send(bhttp::verb::get, "/admin/batch-jobs/" + id);
    ASSERT_EQ(got.result_int(), 200U);
    EXPECT_EQ(Json(got).at("batch_job").at("status"), "created");

    const ClientResponse confirmed = client.Send(bhttp::verb::post, "/admin/batch-jobs/dry/confirm");
    ASSERT_EQ(confirmed.result_int(), 200U) << confirmed.body();
    EXPECT_EQ(Json(confirmed).at("batch_job").at("status"), "confirmed");

    const ClientResponse canceled = client.Send(bhttp::verb::post, "/admin/batch-jobs/" + id + "/cancel");
    ASSERT_EQ(canceled.result_int(), 200U);
    EXPECT_EQ(Json(canceled).at("batch_job").at("status"), "canceled");
}

TEST_F(ServerTest, SomeoneElsesJobIs400) {
    Client client{port_};
    const ClientResponse response = client.Send(bhttp::verb::post, "/admin/batch-jobs/job_4/cancel");
    EXPECT_EQ(response.result_int(), 400U);
    EXPECT_EQ(Json(response).at("type"), "not_allowed");
}

TEST_F(ServerTest, MalformedJsonIs400AndKeepsTheConnection) {
    Client client{port_};
    const ClientResponse response = client.Send(bhttp::verb::post, "/admin/batch-jobs", R"({"type":)");
    EXPECT_EQ(response.result_int(), 400U);
    EXPECT_EQ(Json(response).at("type"), "invalid_data");
    EXPECT_EQ(client.Send(bhttp::verb::get, "/health").result_int(), 200U);
}

TEST_F(ServerTest, OversizedBodyIs413ThenClosed) {
    Client client{port_};
    const std::string body =
        R"({"type":"product-export","context":{"pad":")" + std::string(200 * 1024, 'x') + "\"}}";
    const ClientResponse response = client.Send(bhttp::verb::post, "/admin/batch-jobs", body);
    EXPECT_EQ(response.result_int(), 413U);
    EXPECT_EQ(Json(response).at("type"), "payload_too_large");
    EXPECT_FALSE(response.keep_alive());
    EXPECT_TRUE(client.ClosedByServer());
    EXPECT_EQ(Json(Client{port_}.Send(bhttp::verb::get, "/admin/batch-jobs")).at("count"),
              2);  // nothing created
}

TEST_F(ServerTest, BodyAtTheLimitIsRead) {
    Client client{port_};
    std::string body = R"({"type":"product-export","context":{"pad":""}})";
    body.insert(body.size() - 3, std::string(config_.body_limit - body.size(), 'x'));
    ASSERT_EQ(body.size(), config_.body_limit);
    EXPECT_EQ(client.Send(bhttp::verb::post, "/admin/batch-jobs", body).result_int(), 201U);
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
    Client client{port_};
    const std::string body = R"({"type":"product-export","context":{}})";
    client.WriteRaw(
        "POST /admin/batch-jobs HTTP/1.1\r\nHost: x\r\nx-medusa-access-token: test_token\r\n"
        "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n");
    EXPECT_EQ(client.Read().result_int(), 100U);
    client.WriteRaw(body);
    EXPECT_EQ(client.Read().result_int(), 201U);
}

TEST_F(ServerTest, HalfSentRequestIsDroppedWhileOthersAreServed) {
    Client slow{port_};
    slow.WriteRaw("GET /health HTTP/1.1\r\nHost: x\r\n");  // never finished
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; ++i) {  // fresh connections land on both io threads
        Client other{port_};
        EXPECT_EQ(other.Send(bhttp::verb::get, "/health").result_int(), 200U);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds{900});
    EXPECT_TRUE(slow.ClosedByServer());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{5});
}

TEST_F(ServerTest, GarbageIs400ThenClosed) {
    Client client{port_};
    client.WriteRaw("HELLO WORLD\r\n\r\n");
    const ClientResponse response = client.Read();
    EXPECT_EQ(response.result_int(), 400U);
    EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(ServerTest, OversizedHeaderIs431AndTheClientReadsIt) {
    Client client{port_};
    // Far more than the limit and the socket buffers: without draining, the close would reset the
    // connection under the unread bytes.
    client.WriteRaw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(256 * 1024, 'a') + "\r\n\r\n");
    const ClientResponse response = client.Read();
    EXPECT_EQ(response.result_int(), 431U);
    EXPECT_EQ(Json(response).at("message"), "Request header fields are too large");
    EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(ServerTest, TransferEncodingOtherThanChunkedIs400ThenClosed) {
    for (const std::string coding : {"gzip", "gzip, chunked", "chunked, gzip", "identity"}) {
        Client client{port_};
        client.WriteRaw(
            "POST /admin/batch-jobs HTTP/1.1\r\nHost: x\r\nx-medusa-access-token: test_token\r\n"
            "Transfer-Encoding: " +
            coding + "\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
        const ClientResponse response = client.Read();
        EXPECT_EQ(response.result_int(), 400U) << coding;
        EXPECT_EQ(Json(response).at("message"), "Malformed HTTP request: unsupported Transfer-Encoding")
            << coding;
        EXPECT_TRUE(client.ClosedByServer()) << coding;
    }
    Client chunked{port_};
    chunked.WriteRaw(
        "POST /admin/batch-jobs HTTP/1.1\r\nHost: x\r\nx-medusa-access-token: test_token\r\n"
        "Transfer-Encoding: Chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    EXPECT_EQ(chunked.Read().result_int(), 400U);  // read and validated: `type must be a string, …`
}

TEST_F(ServerTest, TrickledRequestIsCutAtTheReadTimeoutThoughBytesKeepComing) {
    Client slow{port_};
    const auto started = std::chrono::steady_clock::now();
    bool closed = false;
    for (char c : std::string("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: 0123456789")) {
        try {
            slow.WriteRaw(std::string(1, c));
        } catch (const boost::system::system_error&) {
            closed = true;  // the server closed it under us
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    EXPECT_TRUE(closed || slow.ClosedByServer());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds{2500});
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
    Client client{port_};
    client.WriteRaw("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const ClientResponse response = client.Read();
    EXPECT_EQ(response.result_int(), 200U);
    EXPECT_FALSE(response.keep_alive());
    EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(ServerTest, CorsPreflightIsAnswered) {
    Client client{port_};
    client.WriteRaw(
        "OPTIONS /admin/batch-jobs HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:7001\r\n"
        "Access-Control-Request-Method: POST\r\n\r\n");
    const ClientResponse response = client.Read();
    EXPECT_EQ(response.result_int(), 204U);
    EXPECT_EQ(response[bhttp::field::access_control_allow_origin], "http://localhost:7001");
    EXPECT_EQ(response[bhttp::field::access_control_allow_credentials], "true");
    EXPECT_TRUE(response.body().empty());
    EXPECT_EQ(client.Send(bhttp::verb::get, "/health").result_int(), 200U);  // still usable
}

TEST_F(ServerTest, ManyClientsAtOnce) {
    std::vector<std::future<int>> clients;
    for (int c = 0; c < 8; ++c) {
        clients.push_back(std::async(std::launch::async, [this] {
            Client client{port_};
            int ok = 0;
            for (int i = 0; i < 10; ++i) {
                ok += client.Send(bhttp::verb::get, "/admin/batch-jobs?limit=1").result_int() == 200U ? 1 : 0;
            }
            return ok;
        }));
    }
    for (auto& client : clients) {
        EXPECT_EQ(client.get(), 10);
    }
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndReturns) {
    Client client{port_};
    EXPECT_EQ(client.Send(bhttp::verb::get, "/health").result_int(), 200U);
    const auto started = std::chrono::steady_clock::now();
    server_->Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started,
              std::chrono::milliseconds{900});  // under read_timeout
    EXPECT_TRUE(client.ClosedByServer());
    server_->Stop();  // idempotent
}

TEST_F(ServerTest, SecondServerOnATakenPortFailsToStart) {
    ServerConfig taken = config_;
    taken.port = port_;
    Server second{taken, world_.services()};
    EXPECT_THROW(second.Start(), boost::system::system_error);
}

TEST(ServerHandlerTest, ExceptionBecomesTheGeneric500AndClosesTheConnection) {
    ServerConfig config;
    config.port = 0;
    config.io_threads = 1;
    Server server{config, [](Request) -> boost::asio::awaitable<Response> {
                      throw std::runtime_error("bug");
                      co_return Response{};
                  }};
    Client client{server.Start()};
    const ClientResponse response = client.Send(bhttp::verb::get, "/anything");
    EXPECT_EQ(response.result_int(), 500U);
    EXPECT_EQ(
        Json(response),
        boost::json::parse(
            R"({"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."})"));
    EXPECT_TRUE(client.ClosedByServer());
    // and the server goes on serving
    EXPECT_EQ(Client{server.Start()}.Send(bhttp::verb::get, "/x").result_int(), 500U);
}

}  // namespace
}  // namespace batchd::http

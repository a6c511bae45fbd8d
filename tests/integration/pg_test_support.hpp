#pragma once

// Helpers for tests against a real PostgreSQL: the server named by BATCHD_TEST_PG_URL, and a
// fresh schema per database so that tests (and ctest -j processes) never see each other's rows.

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include "core/ports/database.hpp"
#include "fakes/forwarding_database.hpp"
#include "store/postgres/pg_database.hpp"
#include "support/c_handle.hpp"

namespace batchd::pgtest {

using PgConn = std::unique_ptr<PGconn, CFree<&PQfinish>>;
using PgResult = std::unique_ptr<PGresult, CFree<&PQclear>>;

inline constexpr const char* kUrlVariable = "BATCHD_TEST_PG_URL";

/// The test server's URL, or "" when none is configured.
inline std::string TestUrl() {
    const char* url = std::getenv(kUrlVariable);
    return url != nullptr ? std::string(url) : std::string();
}

/// Marks the running test skipped (callable from a fixture's constructor or a factory, where
/// GTEST_SKIP itself cannot return a value): the body then does not run.
inline void SkipWithoutServer() {
    GTEST_SKIP() << "no PostgreSQL to test against: set " << kUrlVariable
                 << "=postgres://user@host:port/db (./dev test and scripts/test-services.sh set it)";
}

/// `url` with one more connection parameter, as a URI or key=value connection string.
inline std::string WithParameter(const std::string& url,
                                 const std::string& keyword,
                                 const std::string& value) {
    if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        std::string encoded;
        for (const char c : value) {
            if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.') {
                encoded += c;
            } else {
                static constexpr char kHex[] = "0123456789ABCDEF";
                encoded += '%';
                encoded += kHex[(static_cast<unsigned char>(c) >> 4U) & 0xFU];
                encoded += kHex[static_cast<unsigned char>(c) & 0xFU];
            }
        }
        const char separator = url.find('?') == std::string::npos ? '?' : '&';
        return url + separator + keyword + "=" + encoded;
    }
    return url + " " + keyword + "='" + value + "'";
}

/// `url` with the server setting `name` (a GUC) set for its sessions, through `options`.
inline std::string WithSetting(const std::string& url, const std::string& name, const std::string& value) {
    return WithParameter(url, "options", "-c " + name + "=" + value);
}

/// Runs SQL on `conn` with text parameters; throws std::runtime_error with the server's message.
inline PgResult Exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::string& param : params) {
        values.push_back(param.c_str());
    }
    PgResult result{PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                 nullptr, nullptr, 0)};
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error(sql + ": " +
                                 (result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn)));
    }
    return result;
}

inline PgConn Connect(const std::string& url) {
    PgConn conn{PQconnectdb(url.c_str())};
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        throw std::runtime_error(std::string("cannot connect to the test server: ") +
                                 (conn ? PQerrorMessage(conn.get()) : "out of memory"));
    }
    return conn;
}

/// A schema of its own on the test server, dropped (with everything in it) on destruction.
/// Url() connects with it first on the search_path, so the store's tables land in it.
class TestSchema {
public:
    explicit TestSchema(const std::string& base_url) : conn_(Connect(base_url)) {
        static std::atomic<int> counter{0};
        std::random_device random;
        name_ = "batchd_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
                std::to_string(random() % 1'000'000);
        Exec(conn_.get(), "SET client_min_messages TO warning");  // no NOTICE for each dropped table
        Exec(conn_.get(), "CREATE SCHEMA " + name_);
        Exec(conn_.get(), "SET search_path TO " + name_);
        url_ = WithSetting(base_url, "search_path", name_);
    }
    TestSchema(const TestSchema&) = delete;
    TestSchema& operator=(const TestSchema&) = delete;
    ~TestSchema() {
        // Best effort: a failure here only leaves a schema behind on a throwaway server.
        PgResult dropped{PQexec(conn_.get(), ("DROP SCHEMA IF EXISTS " + name_ + " CASCADE").c_str())};
        if (!dropped || PQresultStatus(dropped.get()) != PGRES_COMMAND_OK) {
            std::fprintf(stderr, "warning: schema %s left behind: %s\n", name_.c_str(),
                         dropped ? PQresultErrorMessage(dropped.get()) : PQerrorMessage(conn_.get()));
        }
    }

    [[nodiscard]] const std::string& Url() const { return url_; }
    [[nodiscard]] const std::string& Name() const { return name_; }
    /// A connection of the test's own, with the schema on its search_path.
    [[nodiscard]] PGconn* Conn() const { return conn_.get(); }

private:
    PgConn conn_;
    std::string name_;
    std::string url_;
};

/// core::Database from MakePgDatabase in a fresh schema, which it drops when destroyed.
class SchemaDatabase final : public fakes::ForwardingDatabase {
public:
    explicit SchemaDatabase(const std::string& base_url, int pool_size = 8)
        : schema_(std::make_unique<TestSchema>(base_url)),
          db_(store::postgres::MakePgDatabase({.url = schema_->Url(), .pool_size = pool_size})) {}

    [[nodiscard]] TestSchema& Schema() { return *schema_; }

    core::Database& Target() override { return *db_; }

private:
    std::unique_ptr<TestSchema> schema_;  // declared first: dropped after db_ has closed its connections
    std::unique_ptr<core::Database> db_;
};

}  // namespace batchd::pgtest

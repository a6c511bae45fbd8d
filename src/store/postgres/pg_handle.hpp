#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

#include "core/error.hpp"
#include "store/postgres/pg_database.hpp"
#include "support/c_handle.hpp"

namespace batchd::store::postgres {

using PgConn = std::unique_ptr<PGconn, CFree<&PQfinish>>;
using PgResult = std::unique_ptr<PGresult, CFree<&PQclear>>;

/// A named SQL statement, prepared on each connection the first time it runs there. Both strings
/// have static storage (constexpr at the top of the adapter's .cpp).
struct PgStatement {
    std::string_view name;
    std::string_view sql;
};

/// The parameters of one statement, in $1, $2, … order, in PostgreSQL's text format; an empty
/// optional is SQL NULL. Values are always bound, never spliced into SQL.
class PgParams {
public:
    /// Appends a parameter and returns its placeholder number (1 for $1).
    int Add(std::string text);
    int Add(std::optional<std::string> text);

    [[nodiscard]] std::span<const std::optional<std::string>> Values() const { return values_; }

private:
    std::vector<std::optional<std::string>> values_;
};

/// Opens a connection to `config.url` (a URI or key=value string; its own settings win over ours),
/// waiting at most `config.connect_timeout`. The handle comes back even when the attempt failed:
/// PQstatus says whether it did and PQerrorMessage why. Blocking.
[[nodiscard]] PgConn ConnectPg(const PgConfig& config);

/// PQerrorMessage on one line, for logs and startup errors.
[[nodiscard]] std::string ConnectionMessage(const PGconn* conn);

/// One libpq connection and the statements prepared on it. Owns the handle.
/// Thread safety: none, as libpq's PGconn: one thread at a time (the pool's leases ensure it).
class PgConnection {
public:
    /// kUnavailable if the server cannot be reached; the libpq message is logged, not returned.
    [[nodiscard]] static core::Result<std::unique_ptr<PgConnection>> Open(const PgConfig& config);

    explicit PgConnection(PgConn conn) : conn_(std::move(conn)) {}

    /// Runs a named statement, preparing it first on this connection if needed.
    [[nodiscard]] core::Result<PgResult> Execute(const PgStatement& statement, const PgParams& params);

    /// Runs SQL built at run time (List) with the first `param_count` of `params` (all by default).
    [[nodiscard]] core::Result<PgResult> ExecuteDynamic(std::string_view sql,
                                                        const PgParams& params,
                                                        std::optional<std::size_t> param_count = {});

    /// Runs one or more statements without parameters (migrations, BEGIN, SELECT 1).
    [[nodiscard]] core::Result<PgResult> ExecuteScript(std::string_view sql);

    /// Runs `statement` (a session setting) the first time it is asked for on this connection,
    /// and never again: a new connection gets it on its first call. `statement` has static storage.
    [[nodiscard]] core::Result<void> EnsureSession(const PgStatement& statement);

    /// Whether the connection can take a call: libpq thinks it is up, no transaction is open, and
    /// the server has not written to it unasked. An idle connection has nothing to read; when the
    /// server shuts down or kills the backend it sends an error and closes the socket, which makes
    /// it readable: caught here without a round trip, so a restarted server costs no failed call.
    /// (The server may also report a changed setting to an idle session after a reload; that costs
    /// one needless reconnect, never a failed call.)
    [[nodiscard]] bool IsHealthy() const;

    /// Whether the connection may go back to the pool after a call: up, and not inside a
    /// transaction (a failed call may have left one open; discarding the connection ends it).
    [[nodiscard]] bool IsReusable() const;

    [[nodiscard]] PGconn* Native() const { return conn_.get(); }

    /// The SQLSTATE of the last call that failed on the server ("" after a call that succeeded or
    /// failed without one), for an adapter that tells constraint violations apart (23503 …)
    /// beyond what ErrcForSqlState decides for every store.
    [[nodiscard]] const std::string& LastSqlState() const { return last_sqlstate_; }

private:
    core::Result<PgResult> Check(PGresult* raw, std::string_view what);

    PgConn conn_;
    std::vector<std::string_view> prepared_;  // names of the statements prepared on conn_
    std::vector<std::string_view> session_;   // names of the EnsureSession statements run on conn_
    std::string last_sqlstate_;
};

/// The core::Error of a failed call: SQLSTATE mapped by ErrcForSqlState; no result or a lost
/// connection → kUnavailable. Logs the server's message (never returned: it may quote data).
[[nodiscard]] core::Error ErrorFrom(const PGconn* conn, const PGresult* result, std::string_view what);

/// Reads the columns of one row of a text-format result. A value it cannot decode (a bug or a
/// schema that does not match the binary) is remembered rather than thrown: check Failure() before
/// using what was read. Does not own the result.
class PgRow {
public:
    PgRow(const PGresult* result, int row) : result_(result), row_(row) {}

    [[nodiscard]] bool IsNull(int column) const;
    [[nodiscard]] std::string_view Text(int column) const;  // "" for NULL
    [[nodiscard]] std::optional<std::string> OptionalText(int column) const;
    [[nodiscard]] std::int64_t Int64(int column);
    [[nodiscard]] std::optional<std::int64_t> OptionalInt64(int column);
    [[nodiscard]] bool Bool(int column);

    /// Records that `column` held something unexpected; the first such failure is kept.
    void Fail(int column, std::string_view why);
    /// What went wrong, if anything.
    [[nodiscard]] const std::optional<std::string>& Failure() const { return failure_; }

private:
    const PGresult* result_;
    int row_;
    std::optional<std::string> failure_;
};

/// `values` as a PostgreSQL array literal of text, for a `$n::text[]` parameter.
[[nodiscard]] std::string TextArray(std::span<const std::string> values);
[[nodiscard]] std::string TextArray(std::span<const std::string_view> values);

}  // namespace batchd::store::postgres

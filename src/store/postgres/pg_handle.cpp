#include "store/postgres/pg_handle.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <poll.h>
#include <spdlog/spdlog.h>

#include "store/postgres/pg_errors.hpp"

namespace batchd::store::postgres {
namespace {

// libpq takes C strings: a NUL inside a value would silently cut it short (an id "a\0b" would
// read as "a"), so such a value is refused instead.
bool HasNul(const std::optional<std::string>& value) {
    return value && value->find('\0') != std::string::npos;
}

// The parameters as libpq wants them: one C string (or nullptr for NULL) per placeholder.
struct NativeParams {
    std::vector<const char*> values;
    bool has_nul = false;
};

NativeParams ToNative(const PgParams& params, std::size_t count) {
    NativeParams native;
    native.values.reserve(count);
    const auto values = params.Values();
    for (std::size_t i = 0; i < count && i < values.size(); ++i) {
        native.has_nul = native.has_nul || HasNul(values[i]);
        native.values.push_back(values[i] ? values[i]->c_str() : nullptr);
    }
    return native;
}

// A libpq or server message on one line, for logs: they end in a newline and some ("is the server
// running on that host…") continue on indented lines.
std::string TrimmedMessage(const char* message) {
    std::string text;
    for (const char* c = message != nullptr ? message : ""; *c != '\0'; ++c) {
        if (*c == '\n' || *c == '\t') {
            if (!text.empty() && text.back() != ' ') {
                text += ' ';
            }
        } else {
            text += *c;
        }
    }
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    return text;
}

// What a caller may see: no server text, which may quote the data.
std::string_view GenericDetail(core::Errc code) {
    switch (code) {
        case core::Errc::kUnavailable:
            return "the database is unavailable; try again later";
        case core::Errc::kConflict:
            return "a concurrent write got in the way; try again";
        case core::Errc::kDuplicate:
            return "a row with this key already exists";
        case core::Errc::kInvalidData:
            return "the database refused a value";
        default:
            return "unexpected database error";
    }
}

// libpq prints notices (such as "relation already exists, skipping") to stderr by default.
void LogNotice(void* /*context*/, const char* message) {
    spdlog::debug("postgres: {}", TrimmedMessage(message));
}

template <class Text>
std::string ArrayLiteral(std::span<const Text> values) {
    // Every element quoted, so that commas, braces, blanks and the word NULL stay plain text.
    std::string literal = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            literal += ',';
        }
        literal += '"';
        for (const char c : std::string_view{values[i]}) {
            if (c == '"' || c == '\\') {
                literal += '\\';
            }
            literal += c;
        }
        literal += '"';
    }
    literal += '}';
    return literal;
}

}  // namespace

int PgParams::Add(std::string text) {
    values_.emplace_back(std::move(text));
    return static_cast<int>(values_.size());
}

int PgParams::Add(std::optional<std::string> text) {
    values_.push_back(std::move(text));
    return static_cast<int>(values_.size());
}

PgConn ConnectPg(const PgConfig& config) {
    const std::string timeout = std::to_string(std::max<std::int64_t>(1, config.connect_timeout.count()));
    // Ours come first: with expand_dbname the URL is expanded in place, so whatever it sets itself
    // overrides these defaults. Keepalives and tcp_user_timeout make a server that vanished from
    // the network (no reset, no FIN) fail a call within about a minute instead of TCP's ~15.
    const std::array<const char*, 8> keywords{
        "connect_timeout",  "application_name", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
    const std::array<const char*, 8> values{timeout.c_str(), "batchd",           "30",   "10", "3",
                                            "60000",         config.url.c_str(), nullptr};
    PgConn conn{PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1)};
    if (conn) {
        PQsetNoticeProcessor(conn.get(), &LogNotice, nullptr);
    }
    return conn;
}

std::string ConnectionMessage(const PGconn* conn) {
    return conn == nullptr ? "out of memory" : TrimmedMessage(PQerrorMessage(conn));
}

core::Result<std::unique_ptr<PgConnection>> PgConnection::Open(const PgConfig& config) {
    PgConn conn = ConnectPg(config);
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        spdlog::warn("postgres: cannot connect: {}", ConnectionMessage(conn.get()));
        return core::Error{core::Errc::kUnavailable, std::string(GenericDetail(core::Errc::kUnavailable))};
    }
    return std::make_unique<PgConnection>(std::move(conn));
}

core::Result<PgResult> PgConnection::Execute(const PgStatement& statement, const PgParams& params) {
    const NativeParams native = ToNative(params, params.Values().size());
    if (native.has_nul) {
        return core::Error{core::Errc::kInvalidData, "text with a NUL character cannot be stored"};
    }
    const std::string name{statement.name};
    if (std::find(prepared_.begin(), prepared_.end(), statement.name) == prepared_.end()) {
        const std::string sql{statement.sql};
        // No parameter types: each placeholder's type comes from its cast in the SQL.
        auto prepared = Check(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr), statement.name);
        if (!prepared) {
            return prepared.error();
        }
        prepared_.push_back(statement.name);
    }
    return Check(PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(native.values.size()),
                                native.values.data(), nullptr, nullptr, /*resultFormat=*/0),
                 statement.name);
}

core::Result<PgResult> PgConnection::ExecuteDynamic(std::string_view sql,
                                                    const PgParams& params,
                                                    std::optional<std::size_t> param_count) {
    const NativeParams native = ToNative(params, param_count.value_or(params.Values().size()));
    if (native.has_nul) {
        return core::Error{core::Errc::kInvalidData, "text with a NUL character cannot be stored"};
    }
    const std::string text{sql};
    return Check(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(native.values.size()), nullptr,
                              native.values.data(), nullptr, nullptr, /*resultFormat=*/0),
                 "dynamic query");
}

core::Result<PgResult> PgConnection::ExecuteScript(std::string_view sql) {
    const std::string text{sql};
    return Check(PQexec(conn_.get(), text.c_str()), "script");
}

core::Result<void> PgConnection::EnsureSession(const PgStatement& statement) {
    if (std::find(session_.begin(), session_.end(), statement.name) != session_.end()) {
        return {};
    }
    auto done = ExecuteScript(statement.sql);
    if (!done) {
        return done.error();
    }
    session_.push_back(statement.name);
    return {};
}

bool PgConnection::IsHealthy() const {
    if (!IsReusable()) {
        return false;
    }
    pollfd socket{PQsocket(conn_.get()), POLLIN, 0};
    // Readable (or an error) on an idle connection: the server hung up or is about to.
    return poll(&socket, 1, /*timeout=*/0) == 0;
}

bool PgConnection::IsReusable() const {
    return conn_ && PQstatus(conn_.get()) == CONNECTION_OK &&
           PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

core::Result<PgResult> PgConnection::Check(PGresult* raw, std::string_view what) {
    PgResult result{raw};
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        last_sqlstate_.clear();
        return result;
    }
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state != nullptr ? state : "";
    return ErrorFrom(conn_.get(), result.get(), what);
}

core::Error ErrorFrom(const PGconn* conn, const PGresult* result, std::string_view what) {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    core::Errc code = state != nullptr ? ErrcForSqlState(state) : core::Errc::kInternal;
    // A lost connection is reported by libpq itself, often without a SQLSTATE.
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
        code = core::Errc::kUnavailable;
    }
    const std::string message =
        result != nullptr ? TrimmedMessage(PQresultErrorMessage(result)) : ConnectionMessage(conn);
    // A unique violation or a lost race is an expected outcome for the caller, not news for an operator.
    if (code == core::Errc::kDuplicate || code == core::Errc::kConflict) {
        spdlog::debug("postgres: {}: {} (SQLSTATE {})", what, message, state != nullptr ? state : "none");
    } else {
        spdlog::warn("postgres: {}: {} (SQLSTATE {})", what, message, state != nullptr ? state : "none");
    }
    return core::Error{code, std::string(GenericDetail(code))};
}

bool PgRow::IsNull(int column) const { return PQgetisnull(result_, row_, column) != 0; }

std::string_view PgRow::Text(int column) const {
    return {PQgetvalue(result_, row_, column), static_cast<std::size_t>(PQgetlength(result_, row_, column))};
}

std::optional<std::string> PgRow::OptionalText(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return std::string(Text(column));
}

std::int64_t PgRow::Int64(int column) {
    const std::optional<std::int64_t> value = OptionalInt64(column);
    if (!value) {
        Fail(column, "NULL where a number was expected");
        return 0;
    }
    return *value;
}

std::optional<std::int64_t> PgRow::OptionalInt64(int column) {
    if (IsNull(column)) {
        return std::nullopt;
    }
    const std::string_view text = Text(column);
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        Fail(column, "not an integer");
        return 0;
    }
    return value;
}

bool PgRow::Bool(int column) {
    const std::string_view text = Text(column);
    if (text != "t" && text != "f") {
        Fail(column, "not a boolean");
    }
    return text == "t";
}

void PgRow::Fail(int column, std::string_view why) {
    if (!failure_) {
        const char* name = PQfname(result_, column);
        failure_ = std::string("column ") + (name != nullptr ? name : "?") + ": " + std::string(why);
    }
}

std::string TextArray(std::span<const std::string> values) { return ArrayLiteral(values); }

std::string TextArray(std::span<const std::string_view> values) { return ArrayLiteral(values); }

}  // namespace batchd::store::postgres

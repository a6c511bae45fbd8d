#include "store/postgres/pg_copy.hpp"

#include <array>
#include <charconv>

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

namespace batchd::store::postgres {
namespace {

// Big enough that the per-call overhead of PQputCopyData vanishes, small enough to stay flat.
constexpr std::size_t kFlushAt = std::size_t{1} << 20;

}  // namespace

core::Result<PgCopyIn> PgCopyIn::Start(PgConnection& connection, std::string_view copy_sql) {
    const std::string sql{copy_sql};
    PgResult started{PQexec(connection.Native(), sql.c_str())};
    if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) {
        return ErrorFrom(connection.Native(), started.get(), "COPY");
    }
    PgCopyIn copy{&connection};
    copy.buffer_.reserve(kFlushAt + 4096);
    return copy;
}

PgCopyIn::PgCopyIn(PgCopyIn&& other) noexcept
    : connection_(other.connection_),
      buffer_(std::move(other.buffer_)),
      row_started_(other.row_started_),
      has_nul_(other.has_nul_),
      send_failed_(other.send_failed_) {
    other.connection_ = nullptr;
}

PgCopyIn::~PgCopyIn() {
    if (connection_ != nullptr) {
        // Left half-way (an earlier failure): abort, so the connection leaves COPY mode.
        (void)End("batchd abandoned the COPY");
    }
}

void PgCopyIn::Separate() {
    if (row_started_) {
        buffer_ += '\t';
    }
    row_started_ = true;
}

void PgCopyIn::Text(std::string_view value) {
    Separate();
    // Runs of ordinary bytes are appended at once; only the four special bytes are escaped.
    std::size_t run = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        char escaped = 0;
        switch (c) {
            case '\\':
                escaped = '\\';
                break;
            case '\t':
                escaped = 't';
                break;
            case '\n':
                escaped = 'n';
                break;
            case '\r':
                escaped = 'r';
                break;
            case '\0':
                has_nul_ = true;
                break;
            default:
                continue;
        }
        buffer_.append(value.data() + run, i - run);
        run = i + 1;
        if (escaped != 0) {
            buffer_ += '\\';
            buffer_ += escaped;
        }
    }
    buffer_.append(value.data() + run, value.size() - run);
}

void PgCopyIn::Text(const std::optional<std::string>& value) {
    if (value) {
        Text(std::string_view{*value});
    } else {
        Null();
    }
}

void PgCopyIn::Int(std::int64_t value) {
    Separate();
    std::array<char, 24> digits{};
    const auto [end, error] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    buffer_.append(digits.data(), error == std::errc{} ? end : digits.data());
}

void PgCopyIn::Int(const std::optional<std::int64_t>& value) {
    if (value) {
        Int(*value);
    } else {
        Null();
    }
}

void PgCopyIn::Bool(bool value) {
    Separate();
    buffer_ += value ? 't' : 'f';
}

void PgCopyIn::Null() {
    Separate();
    buffer_ += "\\N";
}

void PgCopyIn::EndRow() {
    buffer_ += '\n';
    row_started_ = false;
    FlushIfFull();
}

void PgCopyIn::FlushIfFull() {
    if (buffer_.size() >= kFlushAt) {
        send_failed_ = send_failed_ || !Send();
    }
}

bool PgCopyIn::Send() {
    if (buffer_.empty() || send_failed_ || has_nul_) {
        buffer_.clear();
        return !send_failed_;
    }
    // Blocking connection: returns once libpq has queued (and, when full, sent) the data.
    const bool sent =
        PQputCopyData(connection_->Native(), buffer_.data(), static_cast<int>(buffer_.size())) == 1;
    buffer_.clear();
    return sent;
}

core::Result<void> PgCopyIn::Finish() {
    if (has_nul_) {
        (void)End("text with a NUL character");
        return core::Error{core::Errc::kInvalidData, "text with a NUL character cannot be stored"};
    }
    send_failed_ = send_failed_ || !Send();
    return End(send_failed_ ? "sending failed" : nullptr);
}

core::Result<void> PgCopyIn::End(const char* abort_message) {
    PGconn* conn = connection_->Native();
    connection_ = nullptr;
    buffer_.clear();
    if (PQputCopyEnd(conn, abort_message) != 1) {
        return ErrorFrom(conn, nullptr, "COPY");
    }
    // The COPY's own result, then nullptr; any other result here would be a protocol surprise.
    std::optional<core::Error> failure;
    while (PGresult* raw = PQgetResult(conn)) {
        PgResult result{raw};
        if (PQresultStatus(result.get()) != PGRES_COMMAND_OK && !failure) {
            failure = abort_message != nullptr && PQstatus(conn) == CONNECTION_OK
                          ? core::Error{core::Errc::kInternal, "the COPY was abandoned"}
                          : ErrorFrom(conn, result.get(), "COPY");
        }
    }
    if (failure) {
        return *failure;
    }
    if (abort_message != nullptr) {
        return core::Error{core::Errc::kInternal, "the COPY was abandoned"};
    }
    return {};
}

}  // namespace batchd::store::postgres

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "store/postgres/pg_handle.hpp"

namespace batchd::store::postgres {

/// One `COPY table (columns) FROM STDIN` in PostgreSQL's text format: fields are appended row by
/// row into a buffer that is sent to the server whenever it grows past a megabyte, so memory stays
/// flat however many rows go in. Escapes backslash, tab, newline and carriage return; an empty
/// optional is `\N` (NULL). Text with a NUL character cannot be sent: the COPY is then aborted and
/// Finish() answers kInvalidData.
///
/// Owns the COPY state of the connection it borrows (which must outlive it): a PgCopyIn destroyed
/// without Finish() aborts the COPY, which fails the enclosing transaction. Blocking; one thread.
class PgCopyIn {
public:
    /// Sends `copy_sql` ("COPY t (a, b) FROM STDIN"); kUnavailable or the server's refusal as
    /// ErrorFrom maps it.
    [[nodiscard]] static core::Result<PgCopyIn> Start(PgConnection& connection, std::string_view copy_sql);

    PgCopyIn(PgCopyIn&& other) noexcept;
    PgCopyIn& operator=(PgCopyIn&&) = delete;
    PgCopyIn(const PgCopyIn&) = delete;
    PgCopyIn& operator=(const PgCopyIn&) = delete;
    ~PgCopyIn();

    void Text(std::string_view value);
    void Text(const std::string& value) { Text(std::string_view{value}); }
    void Text(const std::optional<std::string>& value);
    void Int(std::int64_t value);
    void Int(const std::optional<std::int64_t>& value);
    void Bool(bool value);
    void Null();
    /// Ends the current row.
    void EndRow();

    /// Sends what is buffered, ends the COPY and reports how it went (the server checks the rows
    /// only now: a bad value fails here, as ErrorFrom maps it).
    [[nodiscard]] core::Result<void> Finish();

private:
    explicit PgCopyIn(PgConnection* connection) : connection_(connection) {}

    void Separate();
    void FlushIfFull();
    bool Send();
    core::Result<void> End(const char* abort_message);

    PgConnection* connection_;  // nullptr once finished (or moved from)
    std::string buffer_;
    bool row_started_ = false;
    bool has_nul_ = false;
    bool send_failed_ = false;
};

}  // namespace batchd::store::postgres

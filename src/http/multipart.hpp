#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace batchd::http {

/// The boundary of a `multipart/form-data` Content-Type (quoted or not, RFC 2046 §5.1.1). Not
/// multipart/form-data, or no or a malformed boundary (empty, longer than 70 bytes): kInvalidData.
[[nodiscard]] core::Result<std::string> MultipartBoundary(std::string_view content_type);

/// What the headers of one part say (RFC 7578).
struct MultipartPart {
    std::string name;                     // Content-Disposition `name`
    std::optional<std::string> filename;  // Content-Disposition `filename` (or `filename*`), if any
    std::string content_type;             // the part's Content-Type; "" when absent
};

/// A streaming `multipart/form-data` parser: it is fed the body in chunks of any size (a delimiter
/// may be split across chunks, down to one byte per chunk) and calls back per part and per piece of
/// part body, never holding a whole part: it keeps at most one chunk plus a delimiter's length, or
/// one part's headers (at most `max_header_bytes`).
///
/// Grammar (RFC 2046 §5.1.1): a preamble (ignored); `--boundary` at the start or after CRLF,
/// transport padding (spaces, tabs) and CRLF; the part's header lines, an empty line, its body; then
/// CRLF `--boundary` again, either followed by `--` (the end; the epilogue is ignored) or by padding,
/// CRLF and the next part. A delimiter followed by anything else, a part without a
/// `Content-Disposition: form-data; name=…`, headers over the limit, or a body that ends before the
/// closing delimiter (Finish) is malformed: kInvalidData. A failure returned by a callback stops the
/// parser and comes back from Feed as is.
///
/// Not thread-safe: one parser per body, on one thread at a time.
class MultipartParser {
public:
    struct Callbacks {
        std::function<core::Result<void>(const MultipartPart&)> on_part_begin;
        std::function<core::Result<void>(std::string_view)> on_part_data;  // never an empty piece
        std::function<core::Result<void>()> on_part_end;
    };

    static constexpr std::size_t kDefaultMaxHeaderBytes = 16 * 1024;

    MultipartParser(std::string_view boundary,
                    Callbacks callbacks,
                    std::size_t max_header_bytes = kDefaultMaxHeaderBytes);

    /// Parses the next piece of the body. After a failure every later call returns it again.
    [[nodiscard]] core::Result<void> Feed(std::string_view chunk);

    /// The body is over: kInvalidData unless the closing delimiter has been seen.
    [[nodiscard]] core::Result<void> Finish();

    /// Whether the closing delimiter has been seen (what follows is epilogue).
    [[nodiscard]] bool done() const { return state_ == State::kEpilogue; }

private:
    enum class State : std::uint8_t {
        kPreamble,        // looking for the first delimiter
        kAfterDelimiter,  // "--" (end) or padding + CRLF (a part follows)
        kPadding,         // spaces and tabs, then CRLF
        kHeaders,         // header lines up to the empty line
        kBody,            // part body up to the next delimiter
        kEpilogue,        // after the closing delimiter: ignored
        kFailed,
    };

    // Each step consumes what it can from buffer_ at pos_; false: it needs more bytes.
    core::Result<bool> Step();
    core::Result<bool> StepSearch(bool emit);
    core::Result<bool> StepAfterDelimiter();
    core::Result<bool> StepPadding();
    core::Result<bool> StepHeaders();
    core::Result<void> AddHeaderLine(std::string_view line);
    core::Result<void> BeginPart();
    core::Result<void> Fail(core::Error error);

    std::string delimiter_;  // CRLF "--" boundary
    Callbacks callbacks_;
    std::size_t max_header_bytes_;
    State state_ = State::kPreamble;
    std::string buffer_;  // unconsumed bytes: a possible partial delimiter or header line, and the chunk
    std::size_t pos_ = 0;
    std::size_t header_bytes_ = 0;
    std::string disposition_;  // headers of the current part
    std::string part_type_;
    std::string last_header_;  // lower-case name of the last header line, for obsolete folding
    core::Error failure_;
};

}  // namespace batchd::http

#include "http/multipart.hpp"

#include <utility>
#include <vector>

#include "http/percent_encoding.hpp"
#include "support/ascii.hpp"

namespace batchd::http {
namespace {

constexpr std::size_t kMaxBoundaryLength = 70;  // RFC 2046 §5.1.1

core::Error Malformed(std::string_view why) {
    return core::Error{core::Errc::kInvalidData, "Malformed multipart body: " + std::string(why)};
}

struct Parameter {
    std::string name;  // lower case
    std::string value;
};

/// A header value of the form `type; a=b; c="d e"`: the lower-case type and its parameters. In a
/// quoted string a backslash escapes only '"' and '\' (curl's escapes); elsewhere it is kept, since
/// browsers send `filename="C:\x.csv"` unescaped (they percent-encode '"' instead).
core::Result<std::pair<std::string, std::vector<Parameter>>> ParseParameterized(std::string_view value) {
    std::size_t at = value.find(';');
    std::string type = AsciiLower(TrimBlanks(value.substr(0, at)));
    std::vector<Parameter> parameters;
    while (at != std::string_view::npos && at < value.size()) {
        ++at;  // past ';'
        while (at < value.size() && (value[at] == ' ' || value[at] == '\t')) {
            ++at;
        }
        const std::size_t name_end = value.find_first_of("=;", at);
        Parameter parameter;
        parameter.name = AsciiLower(TrimBlanks(value.substr(at, name_end - at)));
        if (name_end == std::string_view::npos || value[name_end] == ';') {
            at = name_end;  // a bare token: no value
            if (!parameter.name.empty()) {
                parameters.push_back(std::move(parameter));
            }
            continue;
        }
        at = name_end + 1;
        while (at < value.size() && (value[at] == ' ' || value[at] == '\t')) {
            ++at;
        }
        if (at < value.size() && value[at] == '"') {
            ++at;
            bool closed = false;
            while (at < value.size()) {
                const char c = value[at];
                if (c == '"') {
                    closed = true;
                    ++at;
                    break;
                }
                if (c == '\\' && at + 1 < value.size() && (value[at + 1] == '"' || value[at + 1] == '\\')) {
                    parameter.value.push_back(value[at + 1]);
                    at += 2;
                    continue;
                }
                parameter.value.push_back(c);
                ++at;
            }
            if (!closed) {
                return Malformed("a quoted parameter is not closed");
            }
            at = value.find(';', at);
        } else {
            const std::size_t end = value.find(';', at);
            parameter.value = std::string(TrimBlanks(value.substr(at, end - at)));
            at = end;
        }
        parameters.push_back(std::move(parameter));
    }
    return std::pair{std::move(type), std::move(parameters)};
}

const Parameter* Find(const std::vector<Parameter>& parameters, std::string_view name) {
    for (const Parameter& parameter : parameters) {
        if (parameter.name == name) {
            return &parameter;
        }
    }
    return nullptr;
}

// RFC 5987 `filename*=UTF-8''a%20b.csv` (any charset label is accepted; the bytes are kept).
std::optional<std::string> DecodeExtended(std::string_view value) {
    const std::size_t first = value.find('\'');
    if (first == std::string_view::npos) {
        return std::nullopt;
    }
    const std::size_t second = value.find('\'', first + 1);
    if (second == std::string_view::npos) {
        return std::nullopt;
    }
    return PercentDecodePath(value.substr(second + 1));
}

}  // namespace

core::Result<std::string> MultipartBoundary(std::string_view content_type) {
    auto parsed = ParseParameterized(content_type);
    if (!parsed || parsed->first != "multipart/form-data") {
        return core::Error{core::Errc::kInvalidData, "The request body must be multipart/form-data"};
    }
    const Parameter* boundary = Find(parsed->second, "boundary");
    if (boundary == nullptr || boundary->value.empty()) {
        return core::Error{core::Errc::kInvalidData, "Malformed multipart body: the boundary is missing"};
    }
    if (boundary->value.size() > kMaxBoundaryLength) {
        return core::Error{core::Errc::kInvalidData,
                           "Malformed multipart body: the boundary is longer than 70 characters"};
    }
    return boundary->value;
}

MultipartParser::MultipartParser(std::string_view boundary, Callbacks callbacks, std::size_t max_header_bytes)
    : delimiter_("\r\n--" + std::string(boundary)),
      callbacks_(std::move(callbacks)),
      max_header_bytes_(max_header_bytes),
      // A virtual CRLF before the body: the first delimiter may open the body without one.
      buffer_("\r\n") {}

core::Result<void> MultipartParser::Feed(std::string_view chunk) {
    if (state_ == State::kFailed) {
        return failure_;
    }
    if (state_ == State::kEpilogue) {
        return {};
    }
    // What is left over is small (a partial delimiter or header line), so this copies about one chunk.
    buffer_.erase(0, pos_);
    pos_ = 0;
    buffer_.append(chunk);
    for (;;) {
        auto progressed = Step();
        if (!progressed) {
            return Fail(std::move(progressed).error());
        }
        if (!*progressed) {
            break;
        }
    }
    buffer_.erase(0, pos_);
    pos_ = 0;
    return {};
}

core::Result<void> MultipartParser::Finish() {
    if (state_ == State::kFailed) {
        return failure_;
    }
    if (state_ != State::kEpilogue) {
        return Fail(Malformed(state_ == State::kPreamble ? "no boundary was found in the body"
                                                         : "the body ends before the closing boundary"));
    }
    return {};
}

core::Result<void> MultipartParser::Fail(core::Error error) {
    state_ = State::kFailed;
    failure_ = std::move(error);
    buffer_.clear();
    pos_ = 0;
    return failure_;
}

core::Result<bool> MultipartParser::Step() {
    switch (state_) {
        case State::kPreamble:
            return StepSearch(/*emit=*/false);
        case State::kBody:
            return StepSearch(/*emit=*/true);
        case State::kAfterDelimiter:
            return StepAfterDelimiter();
        case State::kPadding:
            return StepPadding();
        case State::kHeaders:
            return StepHeaders();
        case State::kEpilogue:
            pos_ = buffer_.size();
            return false;
        case State::kFailed:
            break;
    }
    return false;
}

core::Result<bool> MultipartParser::StepSearch(bool emit) {
    const std::string_view view = std::string_view(buffer_).substr(pos_);
    const std::size_t found = view.find(delimiter_);
    if (found != std::string_view::npos) {
        if (emit && found > 0) {
            if (auto sent = callbacks_.on_part_data(view.substr(0, found)); !sent) {
                return sent.error();
            }
        }
        pos_ += found + delimiter_.size();
        if (emit) {
            if (auto ended = callbacks_.on_part_end(); !ended) {
                return ended.error();
            }
        }
        state_ = State::kAfterDelimiter;
        return true;
    }
    // Everything but a tail that may be the start of a delimiter split across chunks.
    const std::size_t keep = std::min(view.size(), delimiter_.size() - 1);
    const std::size_t ready = view.size() - keep;
    if (emit && ready > 0) {
        if (auto sent = callbacks_.on_part_data(view.substr(0, ready)); !sent) {
            return sent.error();
        }
    }
    pos_ += ready;
    return false;
}

core::Result<bool> MultipartParser::StepAfterDelimiter() {
    if (buffer_.size() - pos_ < 2) {
        return false;
    }
    if (buffer_[pos_] == '-' && buffer_[pos_ + 1] == '-') {
        pos_ += 2;
        state_ = State::kEpilogue;
        return true;
    }
    state_ = State::kPadding;
    return true;
}

core::Result<bool> MultipartParser::StepPadding() {
    while (pos_ < buffer_.size() && (buffer_[pos_] == ' ' || buffer_[pos_] == '\t')) {
        ++pos_;
    }
    if (pos_ == buffer_.size()) {
        return false;
    }
    if (buffer_[pos_] != '\r') {
        return Malformed("a boundary is followed by something other than a line break");
    }
    if (pos_ + 1 == buffer_.size()) {
        return false;
    }
    if (buffer_[pos_ + 1] != '\n') {
        return Malformed("a boundary is followed by something other than a line break");
    }
    pos_ += 2;
    state_ = State::kHeaders;
    header_bytes_ = 0;
    disposition_.clear();
    part_type_.clear();
    last_header_.clear();
    return true;
}

core::Result<bool> MultipartParser::StepHeaders() {
    const std::string_view view = std::string_view(buffer_).substr(pos_);
    const std::size_t end = view.find("\r\n");
    const std::size_t line_bytes = end == std::string_view::npos ? view.size() : end + 2;
    if (header_bytes_ + line_bytes > max_header_bytes_) {
        return Malformed("the headers of a part are longer than " + std::to_string(max_header_bytes_) +
                         " bytes");
    }
    if (end == std::string_view::npos) {
        return false;
    }
    header_bytes_ += line_bytes;
    const std::string_view line = view.substr(0, end);
    pos_ += line_bytes;
    if (line.empty()) {
        if (auto begun = BeginPart(); !begun) {
            return begun.error();
        }
        state_ = State::kBody;
        return true;
    }
    if (auto added = AddHeaderLine(line); !added) {
        return added.error();
    }
    return true;
}

core::Result<void> MultipartParser::AddHeaderLine(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') {
        // Obsolete line folding: the line continues the previous header's value.
        if (last_header_.empty()) {
            return Malformed("a part's headers start with a continuation line");
        }
        if (last_header_ == "content-disposition") {
            disposition_ += ' ';
            disposition_ += TrimBlanks(line);
        } else if (last_header_ == "content-type") {
            part_type_ += ' ';
            part_type_ += TrimBlanks(line);
        }
        return {};
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return Malformed("a part header has no name");
    }
    last_header_ = AsciiLower(TrimBlanks(line.substr(0, colon)));
    const std::string_view value = TrimBlanks(line.substr(colon + 1));
    if (last_header_ == "content-disposition") {
        disposition_ = std::string(value);
    } else if (last_header_ == "content-type") {
        part_type_ = std::string(value);
    }
    return {};
}

core::Result<void> MultipartParser::BeginPart() {
    auto parsed = ParseParameterized(disposition_);
    if (!parsed) {
        return parsed.error();
    }
    if (parsed->first != "form-data") {
        return Malformed("a part has no Content-Disposition: form-data header");
    }
    const Parameter* name = Find(parsed->second, "name");
    if (name == nullptr) {
        return Malformed("a part has no field name");
    }
    MultipartPart part;
    part.name = name->value;
    if (const Parameter* extended = Find(parsed->second, "filename*"); extended != nullptr) {
        part.filename = DecodeExtended(extended->value);
    }
    if (!part.filename) {
        if (const Parameter* filename = Find(parsed->second, "filename"); filename != nullptr) {
            part.filename = filename->value;
        }
    }
    part.content_type = part_type_;
    return callbacks_.on_part_begin(part);
}

}  // namespace batchd::http

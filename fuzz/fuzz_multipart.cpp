// libFuzzer target: the streaming multipart/form-data parser (http/multipart.hpp) and the boundary
// of a Content-Type (MultipartBoundary).
//
// Input: one control byte, a Content-Type line ending in '\n', then the body. The control byte
// picks how the body is cut into chunks (whole, one byte at a time, or pseudo-random sizes seeded
// by the byte), whether the part headers get a small limit, and whether a callback fails at some
// event. The same body is also parsed in one piece; both runs must report the same events.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "fuzz_support.hpp"
#include "http/multipart.hpp"

namespace {

using batchd::core::Errc;
using batchd::core::Error;
using batchd::core::Result;
using batchd::fuzz::Require;
using batchd::http::MultipartParser;
using batchd::http::MultipartPart;

constexpr std::size_t kSmallHeaderLimit = 64;

/// One thing a parser reported; consecutive data pieces are merged, since only chunking decides
/// where one piece ends.
struct Event {
    enum class Kind : std::uint8_t { kBegin, kData, kEnd };
    Kind kind;
    std::string text;  // kBegin: name, filename, content type joined by NUL; kData: the bytes
    bool operator==(const Event&) const = default;
};

/// Everything a run reported, and how it ended.
struct Run {
    std::vector<Event> events;
    std::size_t data_bytes = 0;
    std::optional<Error> failure;  // of Feed or Finish
    bool done = false;             // the closing delimiter was seen
};

/// How the control byte drives a run.
struct Plan {
    std::uint8_t control = 0;
    std::size_t max_header_bytes = MultipartParser::kDefaultMaxHeaderBytes;
    std::optional<std::size_t> fail_at_event;  // the callback of this part begin or end fails
    std::optional<std::size_t> max_data;       // the data callback fails past this many bytes in all
};

/// xorshift32: chunk sizes that are reproducible from the control byte.
class Chunker {
public:
    explicit Chunker(std::uint8_t control) : state_(0x9E3779B9U ^ (std::uint32_t{control} * 0x01000193U)) {}

    std::size_t Next(std::size_t max) {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        return 1 + state_ % max;
    }

private:
    std::uint32_t state_;
};

const Error kCallbackFailure{Errc::kTooLarge, "callback failure injected by the fuzzer"};

/// Parses `body` cut as `mode` says: 0 in one piece, 1 one byte per chunk, else pseudo-random
/// chunks of 1..max bytes.
Run Parse(std::string_view boundary, std::string_view body, const Plan& plan, int mode) {
    Run run;
    bool in_part = false;
    bool stopped = false;  // a callback failed: nothing may be called after it
    std::size_t event_count = 0;
    // Counts begin and end only: how many data calls there are depends on the chunking.
    const auto event = [&]() -> Result<void> {
        if (plan.fail_at_event && event_count++ == *plan.fail_at_event) {
            stopped = true;
            return kCallbackFailure;
        }
        return {};
    };
    MultipartParser::Callbacks callbacks{
        [&](const MultipartPart& part) -> Result<void> {
            Require(!stopped, "a callback was called after one failed");
            Require(!in_part, "a part began before the previous one ended");
            in_part = true;
            std::string text = part.name;
            text += '\0';
            text += part.filename ? "1" + *part.filename : "0";
            text += '\0';
            text += part.content_type;
            run.events.push_back({Event::Kind::kBegin, std::move(text)});
            return event();
        },
        [&](std::string_view data) -> Result<void> {
            Require(!stopped, "a callback was called after one failed");
            Require(in_part, "part data outside a part");
            Require(!data.empty(), "an empty piece of part data");
            // An upload limit: what is kept stops at the same byte however the body is cut.
            const bool over = plan.max_data && run.data_bytes + data.size() > *plan.max_data;
            if (over) {
                data = data.substr(0, *plan.max_data - run.data_bytes);
            }
            run.data_bytes += data.size();
            if (!run.events.empty() && run.events.back().kind == Event::Kind::kData) {
                run.events.back().text.append(data);
            } else if (!data.empty()) {
                run.events.push_back({Event::Kind::kData, std::string(data)});
            }
            if (over) {
                stopped = true;
                return kCallbackFailure;
            }
            return {};
        },
        [&]() -> Result<void> {
            Require(!stopped, "a callback was called after one failed");
            Require(in_part, "a part ended that had not begun");
            in_part = false;
            run.events.push_back({Event::Kind::kEnd, {}});
            return event();
        },
    };
    MultipartParser parser(boundary, std::move(callbacks), plan.max_header_bytes);

    Chunker chunker(plan.control);
    const std::size_t max_chunk = 1 + (plan.control >> 3);
    std::size_t at = 0;
    while (at < body.size()) {
        std::size_t size = body.size() - at;
        if (mode == 1) {
            size = 1;
        } else if (mode > 1) {
            size = std::min(size, chunker.Next(max_chunk));
        }
        auto fed = parser.Feed(body.substr(at, size));
        at += size;
        if (!fed) {
            run.failure = fed.error();
            // A failed parser keeps failing the same way and calls nothing more.
            stopped = true;
            auto again = parser.Feed("more");
            Require(!again && batchd::fuzz::SameError(again.error(), fed.error()),
                    "Feed after a failure did not return the same failure");
            auto finished = parser.Finish();
            Require(!finished && batchd::fuzz::SameError(finished.error(), fed.error()),
                    "Finish after a failure did not return the same failure");
            return run;
        }
    }
    run.done = parser.done();
    auto finished = parser.Finish();
    Require(finished.has_value() == run.done, "Finish disagrees with done()");
    if (!finished) {
        run.failure = finished.error();
    }
    return run;
}

void CheckRun(const Run& run, std::string_view boundary, std::string_view body) {
    Require(run.data_bytes <= body.size(), "the parts hold more bytes than the body");
    const std::string delimiter = "\r\n--" + std::string(boundary);
    std::size_t search_from = 0;
    for (const Event& event : run.events) {
        if (event.kind != Event::Kind::kData) {
            continue;
        }
        Require(event.text.find(delimiter) == std::string::npos, "part data contains the delimiter");
        // Each part's data is a piece of the body, later than the previous part's.
        const std::size_t found = body.find(event.text, search_from);
        Require(found != std::string_view::npos, "part data that is not a piece of the body, in order");
        search_from = found + event.text.size();
    }
    if (run.failure && !batchd::fuzz::SameError(*run.failure, kCallbackFailure)) {
        batchd::fuzz::RequireInvalidData(*run.failure, "MultipartParser");
    }
    if (!run.failure) {
        Require(run.done, "a parse succeeded without the closing delimiter");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = batchd::fuzz::AsText(data, size);
    if (input.empty()) {
        return 0;
    }
    Plan plan;
    plan.control = static_cast<std::uint8_t>(input.front());
    input.remove_prefix(1);
    const std::size_t newline = input.find('\n');
    const std::string_view content_type = input.substr(0, newline);
    const std::string_view body =
        newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

    auto boundary = batchd::http::MultipartBoundary(content_type);
    if (!boundary) {
        batchd::fuzz::RequireInvalidData(boundary.error(), "MultipartBoundary");
        return 0;
    }
    Require(!boundary->empty() && boundary->size() <= 70, "a boundary that is empty or over 70 bytes");

    if ((plan.control & 0x04) != 0) {
        plan.max_header_bytes = kSmallHeaderLimit;
    }
    if ((plan.control & 0x08) != 0) {
        const std::size_t n = (plan.control >> 4) & 0x07U;
        if ((plan.control & 0x80) != 0) {
            plan.max_data = n * 8;
        } else {
            plan.fail_at_event = n;
        }
    }
    const int mode = plan.control & 0x03;
    const Run whole = Parse(*boundary, body, plan, 0);
    CheckRun(whole, *boundary, body);
    if (mode != 0) {
        const Run chunked = Parse(*boundary, body, plan, mode);
        CheckRun(chunked, *boundary, body);
        Require(chunked.events == whole.events, "chunked and whole parses report different parts");
        Require(chunked.done == whole.done, "chunked and whole parses disagree on the end");
        Require(chunked.failure.has_value() == whole.failure.has_value() &&
                    (!whole.failure || batchd::fuzz::SameError(*chunked.failure, *whole.failure)),
                "chunked and whole parses fail differently");
    }
    return 0;
}

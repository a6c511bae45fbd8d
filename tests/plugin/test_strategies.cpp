// The strategy plugin that the lifecycle and api tests drive: small job types whose behaviour the
// test chooses through the job's context. Loaded like any plugin (`batchd serve --plugin …`).
//
//   test-count  {"n", "delay_ms", "pre_delay_ms", "unit_log"}  counts to n with Advance/SleepFor/
//               Checkpoint; with "unit_log" (a file path) each unit is committed to the store first
//               and then appended to that file as one line "<job_id> <unit>" (the chaos tests read it)
//   test-fail   {"phase": "prepare"|"pre_process"|"process", "message", "retryable", "throw",
//                "fail_attempts"}  fails there with that message ("prepare": the create is a 400)
//   test-sleep  {"pre_ms", "process_ms"}  sleeps in each phase, waking on cancel
//   test-noop   {}  does nothing (benchmarks)
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/value.hpp>
#include <fcntl.h>
#include <unistd.h>

#include "core/plugin.hpp"
#include "core/strategy.hpp"

namespace batchd::test_plugin {
namespace {

using core::CreateInput;
using core::Errc;
using core::Error;
using core::JobContext;
using core::Result;

constexpr std::int64_t kMaxUnits = 100'000'000;
constexpr std::int64_t kMaxMs = 3'600'000;

const boost::json::object& ContextOf(const JobContext& ctx) {
    static const boost::json::object kEmpty;
    const auto* context = ctx.Job().context.if_object();
    return context != nullptr ? *context : kEmpty;
}

// A non-negative integer field (an integral double is accepted: JavaScript sends 3 as 3 or 3.0).
Result<std::int64_t> ReadInt(const boost::json::object& context,
                             std::string_view key,
                             std::int64_t fallback,
                             std::int64_t max) {
    const boost::json::value* value = context.if_contains(key);
    if (value == nullptr || value->is_null()) {
        return fallback;
    }
    const auto bad = [&] {
        return Error{Errc::kInvalidData, "context." + std::string(key) +
                                             " must be an integer between 0 and " + std::to_string(max)};
    };
    double number = 0;
    if (value->is_int64()) {
        number = static_cast<double>(value->get_int64());
    } else if (value->is_uint64()) {
        number = static_cast<double>(value->get_uint64());
    } else if (value->is_double()) {
        number = value->get_double();
    } else {
        return bad();
    }
    if (!(number >= 0 && number <= static_cast<double>(max)) ||
        static_cast<double>(static_cast<std::int64_t>(number)) != number) {
        return bad();
    }
    return static_cast<std::int64_t>(number);
}

std::string ReadString(const boost::json::object& context, std::string_view key, std::string fallback) {
    const boost::json::value* value = context.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::move(fallback);
}

bool ReadBool(const boost::json::object& context, std::string_view key) {
    const boost::json::value* value = context.if_contains(key);
    return value != nullptr && value->is_bool() && value->get_bool();
}

// result.advancement_count of the row as this phase last wrote it; 0 when absent.
std::int64_t WrittenAdvancement(const JobContext& ctx) {
    const auto* result = ctx.Job().result.if_object();
    const boost::json::value* count = result != nullptr ? result->if_contains("advancement_count") : nullptr;
    if (count == nullptr) {
        return 0;
    }
    if (count->is_int64()) {
        return count->get_int64();
    }
    if (count->is_uint64()) {
        return static_cast<std::int64_t>(count->get_uint64());
    }
    return count->is_double() ? static_cast<std::int64_t>(count->get_double()) : 0;
}

/// A file opened for appending, closed on scope exit. Each Append is one write(2) of one whole line
/// on an O_APPEND descriptor, so lines of concurrent processes never interleave.
class AppendFile {
public:
    explicit AppendFile(const std::string& path)
        : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) {}
    ~AppendFile() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    AppendFile(const AppendFile&) = delete;
    AppendFile& operator=(const AppendFile&) = delete;

    [[nodiscard]] bool IsOpen() const { return fd_ >= 0; }

    [[nodiscard]] bool Append(const std::string& line) const {
        const ssize_t written = ::write(fd_, line.data(), line.size());
        return written == static_cast<ssize_t>(line.size());
    }

private:
    int fd_;
};

// Sleeps `ms` through the context; false if a stop came first.
bool Sleep(JobContext& ctx, std::int64_t ms) { return ms <= 0 || ctx.SleepFor(core::Duration{ms}); }

class TestCountStrategy final : public core::Strategy {
public:
    [[nodiscard]] std::string_view BatchType() const override { return "test-count"; }

    [[nodiscard]] Result<void> Prepare(CreateInput& input, const core::UserId& /*user*/) const override {
        for (const auto& [key, max] : {std::pair<std::string_view, std::int64_t>{"n", kMaxUnits},
                                       {"delay_ms", kMaxMs},
                                       {"pre_delay_ms", kMaxMs}}) {
            if (auto read = ReadInt(input.context, key, 0, max); !read) {
                return read.error();
            }
        }
        if (const boost::json::value* log = input.context.if_contains("unit_log");
            log != nullptr && !log->is_null() && (!log->is_string() || log->get_string().empty())) {
            return Error{Errc::kInvalidData, "context.unit_log must be a file path"};
        }
        return {};
    }

    [[nodiscard]] Result<void> PreProcess(JobContext& ctx) const override {
        const boost::json::object& context = ContextOf(ctx);
        auto n = ReadInt(context, "n", 0, kMaxUnits);
        auto pre_delay = ReadInt(context, "pre_delay_ms", 0, kMaxMs);
        if (!n || !pre_delay) {
            return !n ? n.error() : pre_delay.error();
        }
        if (!Sleep(ctx, pre_delay.value())) {
            return {};
        }
        if (auto counted = ctx.SetCount(n.value()); !counted) {
            return counted.error();
        }
        return ctx.AddStatDescriptor(
            {"test-count", "Units to count",
             "There will be " + std::to_string(n.value()) + " units counted by this action"});
    }

    [[nodiscard]] Result<void> Process(JobContext& ctx) const override {
        const boost::json::object& context = ContextOf(ctx);
        auto n = ReadInt(context, "n", 0, kMaxUnits);
        auto delay = ReadInt(context, "delay_ms", 0, kMaxMs);
        if (!n || !delay) {
            return !n ? n.error() : delay.error();
        }
        const std::int64_t units = n.value();
        const std::int64_t delay_ms = delay.value();
        const std::string unit_log = ReadString(context, "unit_log", "");
        if (!unit_log.empty()) {
            return CountLogged(ctx, units, delay_ms, unit_log);
        }
        for (std::int64_t i = ctx.AdvancementCount(); i < units; ++i) {
            if (ctx.StopRequested() || !Sleep(ctx, delay_ms)) {
                return {};
            }
            if (auto advanced = ctx.Advance(1); !advanced) {
                return advanced.error();
            }
            if ((i + 1) % 100 == 0) {
                if (auto saved = ctx.Checkpoint(boost::json::object{{"next", i + 1}}); !saved) {
                    return saved.error();
                }
            }
        }
        return {};
    }

private:
    // Counts with every unit committed before it is logged: the fenced write of the advancement is
    // the unit's commit point, and the line is its visible effect. So a worker that lost its lease
    // (its write is refused) logs nothing, and a takeover resumes right after the last logged unit.
    // The one window left is a crash between a commit and its line (a missing line, never a
    // repeated one); the chaos tests count such gaps as lost.
    static Result<void> CountLogged(JobContext& ctx,
                                    std::int64_t units,
                                    std::int64_t delay_ms,
                                    const std::string& path) {
        const AppendFile log{path};
        if (!log.IsOpen()) {
            return Error{Errc::kInternal, "cannot open " + path + ": " + std::strerror(errno)};
        }
        for (std::int64_t i = ctx.AdvancementCount(); i < units; ++i) {
            if (ctx.StopRequested() || !Sleep(ctx, delay_ms)) {
                return {};
            }
            if (auto advanced = ctx.Advance(1); !advanced) {
                return advanced.error();
            }
            // Advance writes only now and then; when it did not, the checkpoint commits the unit.
            if (WrittenAdvancement(ctx) != i + 1) {
                if (auto saved = ctx.Checkpoint(boost::json::object{{"next", i + 1}}); !saved) {
                    return saved.error();
                }
            }
            if (!log.Append(ctx.Job().id.value + " " + std::to_string(i) + "\n")) {
                return Error{Errc::kInternal, "cannot append to " + path + ": " + std::strerror(errno)};
            }
        }
        return {};
    }
};

class TestFailStrategy final : public core::Strategy {
public:
    [[nodiscard]] std::string_view BatchType() const override { return "test-fail"; }

    [[nodiscard]] Result<void> Prepare(CreateInput& input, const core::UserId& /*user*/) const override {
        const std::string phase = ReadString(input.context, "phase", "process");
        if (phase != "prepare" && phase != "pre_process" && phase != "process") {
            return Error{Errc::kInvalidData, "context.phase must be one of prepare, pre_process, process"};
        }
        if (phase == "prepare") {
            return Error{Errc::kInvalidData,
                         ReadString(input.context, "message", "test-fail refused the job")};
        }
        return {};
    }

    [[nodiscard]] Result<void> PreProcess(JobContext& ctx) const override {
        return FailIn(ctx, "pre_process");
    }

    [[nodiscard]] Result<void> Process(JobContext& ctx) const override { return FailIn(ctx, "process"); }

private:
    // Fails when `phase` is the one the context names, unless the phase already failed
    // `fail_attempts` times (then it succeeds: a fault that went away).
    static Result<void> FailIn(JobContext& ctx, std::string_view phase) {
        const boost::json::object& context = ContextOf(ctx);
        if (ReadString(context, "phase", "process") != phase) {
            return {};
        }
        auto fail_attempts = ReadInt(context, "fail_attempts", kMaxUnits, kMaxUnits);
        if (fail_attempts && ctx.Job().attempts >= fail_attempts.value()) {
            return {};
        }
        const std::string message =
            ReadString(context, "message", "test-fail failed in " + std::string(phase));
        if (ReadBool(context, "throw")) {
            throw std::runtime_error(message);
        }
        return Error{ReadBool(context, "retryable") ? Errc::kUnavailable : Errc::kInternal, message};
    }
};

class TestSleepStrategy final : public core::Strategy {
public:
    [[nodiscard]] std::string_view BatchType() const override { return "test-sleep"; }

    [[nodiscard]] Result<void> Prepare(CreateInput& input, const core::UserId& /*user*/) const override {
        for (std::string_view key : {"pre_ms", "process_ms"}) {
            if (auto read = ReadInt(input.context, key, 0, kMaxMs); !read) {
                return read.error();
            }
        }
        return {};
    }

    [[nodiscard]] Result<void> PreProcess(JobContext& ctx) const override { return SleepFor(ctx, "pre_ms"); }

    [[nodiscard]] Result<void> Process(JobContext& ctx) const override { return SleepFor(ctx, "process_ms"); }

private:
    static Result<void> SleepFor(JobContext& ctx, std::string_view key) {
        auto ms = ReadInt(ContextOf(ctx), key, 0, kMaxMs);
        if (!ms) {
            return ms.error();
        }
        Sleep(ctx, ms.value());  // woken early by a cancel: the runtime records it
        return {};
    }
};

class TestNoopStrategy final : public core::Strategy {
public:
    [[nodiscard]] std::string_view BatchType() const override { return "test-noop"; }
    [[nodiscard]] Result<void> Process(JobContext& /*ctx*/) const override { return {}; }
};

}  // namespace
}  // namespace batchd::test_plugin

BATCHD_PLUGIN_ENTRY(batchd::core::StrategyRegistry& registry) {
    namespace test_plugin = batchd::test_plugin;
    std::unique_ptr<batchd::core::Strategy> strategies[] = {
        std::make_unique<test_plugin::TestCountStrategy>(), std::make_unique<test_plugin::TestFailStrategy>(),
        std::make_unique<test_plugin::TestSleepStrategy>(),
        std::make_unique<test_plugin::TestNoopStrategy>()};
    for (auto& strategy : strategies) {
        if (auto added = registry.Add(std::move(strategy)); !added) {
            std::fprintf(stderr, "test plugin: %s\n", added.error().detail.c_str());
            return false;
        }
    }
    return true;
}

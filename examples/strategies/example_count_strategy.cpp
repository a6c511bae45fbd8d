// An example strategy plugin: copy this folder to start your own job type.
//
// A plugin is a shared library that batchd loads at startup (`batchd serve --plugin path.so`, or
// BATCHD_PLUGINS). It exports one function, declared with BATCHD_PLUGIN_ENTRY, that registers its
// strategies. See README.md beside this file for how to build and load it.
//
// The job type here, "example-count", counts from 0 to n, sleeping delay_ms per unit. It shows
// everything a real strategy does:
//   * Prepare validates the request's context (a bad value is a 400 to the caller);
//   * PreProcess records the amount of work (`result.count`) and a stat descriptor, which a dry run
//     shows to the user before they confirm;
//   * Process does the work in units, reports them with Advance (batchd throttles the writes),
//     checkpoints every 100 units, resumes from the checkpoint after a takeover, and stops soon
//     after a cancel or a shutdown.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "core/plugin.hpp"
#include "core/strategy.hpp"

namespace example {
namespace {

using batchd::core::CreateInput;
using batchd::core::Errc;
using batchd::core::Error;
using batchd::core::JobContext;
using batchd::core::Result;

constexpr std::int64_t kMaxUnits = 1'000'000'000;
constexpr std::int64_t kMaxDelayMs = 60'000;
constexpr std::int64_t kCheckpointEvery = 100;

// A non-negative integer field of the context, `fallback` when absent. JSON numbers may arrive as
// 3.0 from JavaScript clients: a double with an integral value is accepted too.
Result<std::int64_t> ReadCount(const boost::json::object& context,
                               std::string_view key,
                               std::int64_t fallback,
                               std::int64_t max) {
    const boost::json::value* value = context.if_contains(key);
    if (value == nullptr || value->is_null()) {
        return fallback;
    }
    std::int64_t number = 0;
    if (value->is_int64()) {
        number = value->get_int64();
    } else if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(max)) {
        number = static_cast<std::int64_t>(value->get_uint64());
    } else if (value->is_double() && value->get_double() >= 0 &&
               value->get_double() <= static_cast<double>(max) &&
               static_cast<double>(static_cast<std::int64_t>(value->get_double())) == value->get_double()) {
        number = static_cast<std::int64_t>(value->get_double());
    } else {
        return Error{Errc::kInvalidData, "context." + std::string(key) +
                                             " must be an integer between 0 and " + std::to_string(max)};
    }
    if (number < 0 || number > max) {
        return Error{Errc::kInvalidData, "context." + std::string(key) +
                                             " must be an integer between 0 and " + std::to_string(max)};
    }
    return number;
}

const boost::json::object& ContextOf(const JobContext& ctx) {
    static const boost::json::object kEmpty;
    const auto* context = ctx.Job().context.if_object();
    return context != nullptr ? *context : kEmpty;
}

/// The "example-count" job type. Strategies are shared by every worker thread: the methods are
/// const and keep per-job state in the job (context, result, cursor), never in members.
class ExampleCountStrategy final : public batchd::core::Strategy {
public:
    [[nodiscard]] std::string_view BatchType() const override { return "example-count"; }

    // Runs inside POST /admin/batch-jobs, before the job exists: reject bad input here, so that the
    // caller gets a 400 instead of a job that fails later.
    [[nodiscard]] Result<void> Prepare(CreateInput& input,
                                       const batchd::core::UserId& /*user*/) const override {
        auto n = ReadCount(input.context, "n", -1, kMaxUnits);
        if (!n) {
            return n.error();
        }
        if (n.value() < 0) {
            return Error{Errc::kInvalidData, "context.n is required: the number of units to count"};
        }
        auto delay = ReadCount(input.context, "delay_ms", 0, kMaxDelayMs);
        if (!delay) {
            return delay.error();
        }
        // Store the normalised values: the phases then read them without checking again.
        input.context["n"] = n.value();
        input.context["delay_ms"] = delay.value();
        return {};
    }

    // Phase 1: measure the work and describe it. With dry_run the job waits here for a confirm.
    [[nodiscard]] Result<void> PreProcess(JobContext& ctx) const override {
        auto n = ReadCount(ContextOf(ctx), "n", 0, kMaxUnits);
        if (!n) {
            return n.error();
        }
        if (auto counted = ctx.SetCount(n.value()); !counted) {
            return counted.error();
        }
        return ctx.AddStatDescriptor(
            {"example-count", "Units to count",
             "There will be " + std::to_string(n.value()) + " units counted by this action"});
    }

    // Phase 2: the work. It may run again after a takeover (a worker died): it starts from the units
    // already done. The cursor would tell a real strategy where to resume in its input (a file
    // offset, the last exported id); here it only mirrors the count.
    [[nodiscard]] Result<void> Process(JobContext& ctx) const override {
        auto n = ReadCount(ContextOf(ctx), "n", 0, kMaxUnits);
        auto delay_ms = ReadCount(ContextOf(ctx), "delay_ms", 0, kMaxDelayMs);
        if (!n || !delay_ms) {
            return !n ? n.error() : delay_ms.error();
        }
        const std::int64_t units = n.value();
        const batchd::core::Duration delay{delay_ms.value()};
        for (std::int64_t i = ctx.AdvancementCount(); i < units; ++i) {
            // A cancel or a shutdown: return soon; batchd records the right outcome itself.
            if (ctx.StopRequested()) {
                return {};
            }
            if (delay.count() > 0 && !ctx.SleepFor(delay)) {
                return {};
            }
            if (auto advanced = ctx.Advance(1); !advanced) {
                return advanced.error();
            }
            if ((i + 1) % kCheckpointEvery == 0) {
                if (auto saved = ctx.Checkpoint(boost::json::object{{"next", i + 1}}); !saved) {
                    return saved.error();
                }
            }
        }
        return {};
    }
};

}  // namespace
}  // namespace example

// Called once at startup. Add() refuses a type that is already registered; use Override() to
// replace a built-in type on purpose. Returning false stops the server from starting.
BATCHD_PLUGIN_ENTRY(batchd::core::StrategyRegistry& registry) {
    if (auto added = registry.Add(std::make_unique<example::ExampleCountStrategy>()); !added) {
        std::fprintf(stderr, "example plugin: %s\n", added.error().detail.c_str());
        return false;
    }
    return true;
}

#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>

#include "core/batch_job.hpp"
#include "core/ports/blob_store.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/event_bus.hpp"
#include "core/strategy.hpp"
#include "fakes/in_memory_database.hpp"

namespace batchd::runtime::testing {

inline constexpr core::TimePoint kT0{core::Duration{1'700'000'000'000}};

/// A clock that moves only when told to. Thread-safe.
class ManualClock final : public core::Clock {
public:
    explicit ManualClock(core::TimePoint start = kT0) : now_ms_(start.time_since_epoch().count()) {}
    [[nodiscard]] core::TimePoint Now() const override {
        return core::TimePoint{core::Duration{now_ms_.load()}};
    }
    void Advance(core::Duration by) { now_ms_ += by.count(); }

private:
    std::atomic<std::int64_t> now_ms_;
};

/// Polls `done` until it holds or `limit` passes; the bounded wait of threaded tests.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds{10}) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{2});
    }
    return true;
}

/// Inserts a new job as JobService::Create would (without a strategy's Prepare).
inline core::BatchJob InsertJob(fakes::InMemoryDatabase& db,
                                const std::string& id,
                                const std::string& type,
                                boost::json::object context = {},
                                bool dry_run = false,
                                core::TimePoint now = kT0) {
    core::CreateInput input{type, std::move(context), dry_run};
    const core::Change change =
        core::NewJob(core::JobId{id}, std::move(input), core::UserId{"usr_test"}, now);
    return db.Insert(change.job, change.events).value();
}

inline core::JobStatus StatusIn(fakes::InMemoryDatabase& db, const std::string& id) {
    return core::StatusOf(db.Get(core::JobId{id}).value());
}

/// Takes every recorded event and returns the names of `id`'s, in order; `batch.updated` left out
/// unless asked for.
inline std::vector<std::string> TakeEventNames(fakes::InMemoryDatabase& db,
                                               const std::string& id,
                                               bool with_updates = false) {
    std::vector<std::string> names;
    for (const core::RecordedEvent& event : db.TakeEvents(1'000'000).value()) {
        if (event.job_id.value == id && (with_updates || event.name != core::kUpdatedEventName)) {
            names.push_back(event.name);
        }
    }
    return names;
}

/// A strategy whose phases the test scripts; counts the calls. Thread-safe as far as the runtime needs.
class ScriptedStrategy final : public core::Strategy {
public:
    using Phase = std::function<core::Result<void>(core::JobContext&)>;

    explicit ScriptedStrategy(std::string type = "scripted") : type_(std::move(type)) {}

    [[nodiscard]] std::string_view BatchType() const override { return type_; }
    [[nodiscard]] core::Result<void> PreProcess(core::JobContext& ctx) const override {
        ++pre_process_calls;
        return pre_process ? pre_process(ctx) : core::Result<void>{};
    }
    [[nodiscard]] core::Result<void> Process(core::JobContext& ctx) const override {
        ++process_calls;
        return process ? process(ctx) : core::Result<void>{};
    }

    Phase pre_process;  // set before the pool starts
    Phase process;      // set before the pool starts
    mutable std::atomic<int> pre_process_calls{0};
    mutable std::atomic<int> process_calls{0};

private:
    std::string type_;
};

/// A BlobStore for jobs that use no files.
class NoBlobStore final : public core::BlobStore {
public:
    core::Result<std::unique_ptr<core::BlobWriter>> Create(std::string_view /*key*/) override {
        return Refuse();
    }
    core::Result<std::unique_ptr<core::BlobWriter>> Resume(std::string_view /*key*/,
                                                           std::int64_t /*size*/) override {
        return Refuse();
    }
    core::Result<std::unique_ptr<core::BlobReader>> Open(std::string_view /*key*/) override {
        return Refuse();
    }
    core::Result<std::int64_t> Size(std::string_view /*key*/) override { return Refuse(); }
    core::Result<void> Remove(std::string_view /*key*/) override { return Refuse(); }

private:
    static core::Error Refuse() { return core::Error{core::Errc::kUnexpectedState, "no files in this test"}; }
};

/// An EventBus that records what is published (and delivers nothing).
class RecordingEventBus final : public core::EventBus {
public:
    core::Result<void> Publish(const core::BusEvent& event) override {
        std::scoped_lock lock{mu_};
        published_.push_back(event);
        return {};
    }
    void Subscribe(core::Subscription /*subscription*/) override {}
    void Stop() override {}

    std::vector<core::BusEvent> Published() {
        std::scoped_lock lock{mu_};
        return published_;
    }

private:
    std::mutex mu_;
    std::vector<core::BusEvent> published_;  // guarded by mu_
};

}  // namespace batchd::runtime::testing

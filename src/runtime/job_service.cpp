#include "runtime/job_service.hpp"

#include <random>

#include "core/job_mutations.hpp"

namespace batchd::runtime {
namespace {

std::array<std::uint8_t, 10> RandomBytes() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::array<std::uint8_t, 10> bytes{};
    for (auto& byte : bytes) {
        byte = static_cast<std::uint8_t>(generator());
    }
    return bytes;
}

}  // namespace

JobService::JobService(core::JobStore& store,
                       const core::StrategyRegistry& strategies,
                       const core::Clock& clock,
                       std::function<void()> on_write)
    : store_(store), strategies_(strategies), clock_(clock), on_write_(std::move(on_write)) {}

core::Result<core::BatchJob> JobService::Create(const core::UserId& user, core::CreateInput input) {
    auto strategy = strategies_.Resolve(input.type);
    if (!strategy) {
        return strategy.error();
    }
    if (auto prepared = (*strategy)->Prepare(input, user); !prepared) {
        return prepared.error();
    }
    const core::TimePoint now = clock_.Now();
    const core::Change change = core::NewJob(core::JobId{core::MakeUlidId("batch_", now, RandomBytes())},
                                             std::move(input), user, now);
    auto inserted = store_.Insert(change.job, change.events);
    if (inserted && on_write_) {
        on_write_();
    }
    return inserted;
}

core::Result<core::BatchJob> JobService::Get(const core::JobId& id) { return store_.Get(id); }

core::Result<core::JobPage> JobService::List(const core::JobQuery& query) { return store_.List(query); }

core::Result<core::BatchJob> JobService::Confirm(const core::JobId& id) {
    return Transition(id, core::JobEvent::kConfirm);
}

core::Result<core::BatchJob> JobService::Cancel(const core::JobId& id) {
    return Transition(id, core::JobEvent::kCancel);
}

core::Result<core::BatchJob> JobService::Transition(const core::JobId& id, core::JobEvent event) {
    auto job = core::TransitionJob(store_, id, event, clock_.Now());
    if (job && on_write_) {
        on_write_();
    }
    return job;
}

}  // namespace batchd::runtime

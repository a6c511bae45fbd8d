#pragma once

#include <functional>

#include "core/batch_job.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/job_store.hpp"
#include "core/strategy_registry.hpp"

namespace batchd::runtime {

/// The admin API's verbs on jobs (MEDUSA-SPEC §4.2–4.5), over the store and the status machine.
/// Ownership is the HTTP layer's business; this class only knows jobs.
/// Blocking (it calls the store); thread safety: every method may be called concurrently.
class JobService {
public:
    /// `on_write` runs after every committed write (the event relay's wake-up).
    JobService(core::JobStore& store,
               const core::StrategyRegistry& strategies,
               const core::Clock& clock,
               std::function<void()> on_write);

    /// Resolves the strategy (404 if unknown), lets it prepare the input, inserts the job with a new
    /// `batch_…` id and records `batch.created`.
    [[nodiscard]] core::Result<core::BatchJob> Create(const core::UserId& user, core::CreateInput input);

    [[nodiscard]] core::Result<core::BatchJob> Get(const core::JobId& id);
    [[nodiscard]] core::Result<core::JobPage> List(const core::JobQuery& query);

    /// pre_processed → confirmed; otherwise MEDUSA-SPEC §4.4's 400.
    [[nodiscard]] core::Result<core::BatchJob> Confirm(const core::JobId& id);

    /// Anything but completed → canceled; a running phase sees its stop token within a heartbeat.
    [[nodiscard]] core::Result<core::BatchJob> Cancel(const core::JobId& id);

private:
    core::Result<core::BatchJob> Transition(const core::JobId& id, core::JobEvent event);

    core::JobStore& store_;
    const core::StrategyRegistry& strategies_;
    const core::Clock& clock_;
    std::function<void()> on_write_;
};

}  // namespace batchd::runtime

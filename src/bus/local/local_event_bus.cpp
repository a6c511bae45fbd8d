#include "bus/local/local_event_bus.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

namespace batchd::bus::local {
namespace {

bool Wants(const core::Subscription& subscription, const std::string& name) {
    if (subscription.event_names.empty()) {
        return name.starts_with("batch.");
    }
    return std::find(subscription.event_names.begin(), subscription.event_names.end(), name) !=
           subscription.event_names.end();
}

class LocalEventBus final : public core::EventBus {
public:
    LocalEventBus() : thread_([this] { DeliveryLoop(); }) {}

    ~LocalEventBus() override { Stop(); }

    LocalEventBus(const LocalEventBus&) = delete;
    LocalEventBus& operator=(const LocalEventBus&) = delete;

    // core::EventBus
    core::Result<void> Publish(const core::BusEvent& event) override {
        {
            std::scoped_lock lock{mu_};
            if (stopping_) {
                return core::Error{core::Errc::kUnavailable, "the event bus is stopped"};
            }
            queue_.push_back(event);
        }
        cv_.notify_one();
        return {};
    }

    void Subscribe(core::Subscription subscription) override {
        std::scoped_lock lock{mu_};
        if (stopping_) {
            return;
        }
        groups_[subscription.group].members.push_back(
            std::make_shared<const core::Subscription>(std::move(subscription)));
    }

    void Stop() override {
        {
            std::scoped_lock lock{mu_};
            stopping_ = true;
        }
        cv_.notify_one();
        // A handler that stops the bus cannot wait for itself: the thread ends after it returns.
        if (std::this_thread::get_id() == thread_.get_id()) {
            return;
        }
        std::scoped_lock join_lock{join_mu_};
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    struct Group {
        std::vector<std::shared_ptr<const core::Subscription>> members;
        std::size_t next = 0;  // round robin among the members that want an event
    };

    void DeliveryLoop() {
        std::unique_lock lock{mu_};
        while (true) {
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;  // stopping, and everything published before Stop() is delivered
            }
            const core::BusEvent event = std::move(queue_.front());
            queue_.pop_front();
            const auto receivers = ReceiversOf(event);  // needs mu_
            lock.unlock();
            for (const auto& receiver : receivers) {
                Deliver(*receiver, event);
            }
            lock.lock();
        }
    }

    // One member of each group that wants the event. Needs mu_.
    std::vector<std::shared_ptr<const core::Subscription>> ReceiversOf(const core::BusEvent& event) {
        std::vector<std::shared_ptr<const core::Subscription>> receivers;
        for (auto& [name, group] : groups_) {
            std::vector<const std::shared_ptr<const core::Subscription>*> wanting;
            for (const auto& member : group.members) {
                if (Wants(*member, event.name)) {
                    wanting.push_back(&member);
                }
            }
            if (!wanting.empty()) {
                receivers.push_back(*wanting[group.next++ % wanting.size()]);
            }
        }
        return receivers;
    }

    static void Deliver(const core::Subscription& receiver, const core::BusEvent& event) {
        // The delivery thread's top: a throwing handler loses its event (as Medusa's local bus
        // logs and drops it), not the thread.
        try {
            receiver.handler(event);
        } catch (const std::exception& e) {
            spdlog::error("event bus: handler of group {} failed on {} of job {}: {}", receiver.group,
                          event.name, event.job_id.value, e.what());
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<core::BusEvent> queue_;     // guarded by mu_
    std::map<std::string, Group> groups_;  // guarded by mu_
    bool stopping_ = false;                // guarded by mu_
    std::mutex join_mu_;                   // one Stop() joins, the others wait for it
    std::thread thread_;                   // last: starts after everything it uses
};

}  // namespace

std::unique_ptr<core::EventBus> MakeLocalEventBus() { return std::make_unique<LocalEventBus>(); }

}  // namespace batchd::bus::local

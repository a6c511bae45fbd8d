#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/strategy.hpp"

namespace batchd::core {

/// The strategies this process knows, by batch type. Filled once at startup (built-ins, then
/// plugins), read-only afterwards: lookups may then run concurrently.
class StrategyRegistry {
public:
    /// Registers a new type. kDuplicate if the type is taken: replacing one must be explicit.
    [[nodiscard]] Result<void> Add(std::unique_ptr<Strategy> strategy);

    /// Registers `strategy`, replacing any strategy of the same type (MEDUSA-SPEC §3.5: a plugin may
    /// override a core type). Returns whether one was replaced.
    bool Override(std::unique_ptr<Strategy> strategy);

    /// The strategy for `type`, or nullptr.
    [[nodiscard]] const Strategy* Find(std::string_view type) const;

    /// The strategy for `type`, or MEDUSA-SPEC §3.5's 404.
    [[nodiscard]] Result<const Strategy*> Resolve(std::string_view type) const;

    /// Registered types, sorted.
    [[nodiscard]] std::vector<std::string> Types() const;

private:
    std::map<std::string, std::unique_ptr<Strategy>, std::less<>> by_type_;
};

}  // namespace batchd::core

#include "core/strategy_registry.hpp"

namespace batchd::core {

Result<void> StrategyRegistry::Add(std::unique_ptr<Strategy> strategy) {
    std::string type{strategy->BatchType()};
    if (by_type_.contains(type)) {
        return Error{Errc::kDuplicate, "a strategy for batch type " + type + " is already registered"};
    }
    by_type_.emplace(std::move(type), std::move(strategy));
    return {};
}

bool StrategyRegistry::Override(std::unique_ptr<Strategy> strategy) {
    std::string type{strategy->BatchType()};
    const bool replaced = by_type_.contains(type);
    by_type_.insert_or_assign(std::move(type), std::move(strategy));
    return replaced;
}

const Strategy* StrategyRegistry::Find(std::string_view type) const {
    const auto it = by_type_.find(type);
    return it == by_type_.end() ? nullptr : it->second.get();
}

Result<const Strategy*> StrategyRegistry::Resolve(std::string_view type) const {
    if (const Strategy* strategy = Find(type)) {
        return strategy;
    }
    return Error{Errc::kNotFound, "Unable to find a BatchJob strategy with the type " + std::string(type)};
}

std::vector<std::string> StrategyRegistry::Types() const {
    std::vector<std::string> types;
    types.reserve(by_type_.size());
    for (const auto& [type, strategy] : by_type_) {
        types.push_back(type);
    }
    return types;
}

}  // namespace batchd::core

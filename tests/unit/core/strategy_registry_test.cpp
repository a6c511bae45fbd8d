#include "core/strategy_registry.hpp"

#include <gtest/gtest.h>

namespace batchd::core {
namespace {

class NamedStrategy final : public Strategy {
public:
    NamedStrategy(std::string type, std::string name) : type_(std::move(type)), name_(std::move(name)) {}
    std::string_view BatchType() const override { return type_; }
    Result<void> Process(JobContext& /*ctx*/) const override { return {}; }
    std::string BuildTemplate() const override { return name_; }

private:
    std::string type_;
    std::string name_;
};

TEST(StrategyRegistry, FindsARegisteredType) {
    StrategyRegistry registry;
    ASSERT_TRUE(registry.Add(std::make_unique<NamedStrategy>("product-export", "core")));
    ASSERT_NE(registry.Find("product-export"), nullptr);
    EXPECT_EQ(registry.Find("product-export")->BuildTemplate(), "core");
    EXPECT_EQ(registry.Find("product-import"), nullptr);
}

TEST(StrategyRegistry, AddRefusesADuplicateType) {
    StrategyRegistry registry;
    ASSERT_TRUE(registry.Add(std::make_unique<NamedStrategy>("product-export", "core")));
    const auto again = registry.Add(std::make_unique<NamedStrategy>("product-export", "plugin"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::kDuplicate);
    EXPECT_EQ(registry.Find("product-export")->BuildTemplate(), "core");
}

TEST(StrategyRegistry, OverrideReplacesABuiltInType) {
    StrategyRegistry registry;
    ASSERT_TRUE(registry.Add(std::make_unique<NamedStrategy>("product-export", "core")));
    EXPECT_TRUE(registry.Override(std::make_unique<NamedStrategy>("product-export", "plugin")));
    EXPECT_EQ(registry.Find("product-export")->BuildTemplate(), "plugin");
    EXPECT_FALSE(registry.Override(std::make_unique<NamedStrategy>("order-export", "plugin")));
    EXPECT_EQ(registry.Types(), (std::vector<std::string>{"order-export", "product-export"}));
}

TEST(StrategyRegistry, ResolvingAnUnknownTypeIsMedusasNotFound) {
    StrategyRegistry registry;
    const auto resolved = registry.Resolve("does-not-exist");
    ASSERT_FALSE(resolved);
    EXPECT_EQ(resolved.error().code, Errc::kNotFound);
    EXPECT_EQ(resolved.error().detail, "Unable to find a BatchJob strategy with the type does-not-exist");
}

}  // namespace
}  // namespace batchd::core

#pragma once

#include "core/strategy_registry.hpp"

/// The one function a strategy plugin (a shared library loaded with `batchd serve --plugin x.so`)
/// exports. It runs once at startup, after the built-in strategies are registered: call
/// registry.Add() for new types, registry.Override() to replace a built-in one. Return false (after
/// logging to stderr) to stop the server from starting.
///
/// A plugin is compiled against the same batchd headers and Boost as the server that loads it.
#define BATCHD_PLUGIN_ENTRY_NAME "batchd_register_strategies"
#define BATCHD_PLUGIN_ENTRY extern "C" __attribute__((visibility("default"))) bool batchd_register_strategies

namespace batchd::core {
using PluginEntry = bool (*)(StrategyRegistry&);
}  // namespace batchd::core

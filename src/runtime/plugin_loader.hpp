#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/strategy_registry.hpp"

namespace batchd::runtime {

/// Loads a strategy plugin (`batchd serve --plugin x.so`, core/plugin.hpp): dlopen's the shared
/// library, finds its BATCHD_PLUGIN_ENTRY function and lets it register its strategies in
/// `registry`. Returns the types the plugin added (overridden types are not listed).
///
/// A startup step: any failure (no such file, not a shared library, no entry point, the entry
/// refused) throws std::runtime_error with a message naming the file. A loaded plugin is never
/// unloaded: the strategies it registered are its code and live in the registry until exit.
/// Blocking; call before the registry is shared with other threads.
std::vector<std::string> LoadPlugin(const std::filesystem::path& path, core::StrategyRegistry& registry);

}  // namespace batchd::runtime

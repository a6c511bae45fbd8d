#include "runtime/plugin_loader.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <stdexcept>

#include <dlfcn.h>

#include "core/plugin.hpp"
#include "support/c_handle.hpp"

namespace batchd::runtime {
namespace {

using LibraryHandle = std::unique_ptr<void, CFree<&dlclose>>;

std::string LastDlError() {
    const char* message = dlerror();
    return message != nullptr ? message : "unknown error";
}

}  // namespace

std::vector<std::string> LoadPlugin(const std::filesystem::path& path, core::StrategyRegistry& registry) {
    // RTLD_NOW: a plugin with an unresolved symbol fails here, at startup, not at its first job.
    // RTLD_LOCAL: two plugins' private symbols cannot collide; the core symbols they use come from
    // the executable, which exports them.
    dlerror();
    LibraryHandle library{dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)};
    if (!library) {
        throw std::runtime_error("cannot load plugin " + path.string() + ": " + LastDlError());
    }
    dlerror();
    void* symbol = dlsym(library.get(), BATCHD_PLUGIN_ENTRY_NAME);
    if (symbol == nullptr) {
        throw std::runtime_error(path.string() + " is not a batchd plugin: it exports no " +
                                 BATCHD_PLUGIN_ENTRY_NAME + " function");
    }
    // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
    core::PluginEntry entry = nullptr;
    static_assert(sizeof(entry) == sizeof(symbol));
    std::memcpy(&entry, &symbol, sizeof(entry));

    // Never unloaded from here on, even when the entry fails: the registry may already own objects
    // whose code lives in this library.
    static_cast<void>(library.release());

    const std::vector<std::string> before = registry.Types();
    if (!entry(registry)) {
        throw std::runtime_error("plugin " + path.string() + " refused to register its strategies");
    }
    std::vector<std::string> after = registry.Types();
    std::vector<std::string> added;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
    return added;
}

}  // namespace batchd::runtime

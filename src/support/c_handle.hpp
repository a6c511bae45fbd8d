#pragma once

#include <memory>

namespace batchd {

/// Adapts a C "free" function to std::unique_ptr with a stateless deleter, so that the handle stays
/// one pointer wide: `using SqliteDb = std::unique_ptr<sqlite3, CFree<&sqlite3_close_v2>>;`.
template <auto kFree>
struct CFree {
    template <class T>
    void operator()(T* ptr) const noexcept {
        kFree(ptr);
    }
};

}  // namespace batchd

#include "core/ports/catalog_store.hpp"

namespace batchd::core {

ProductKey KeyOf(const Product& product, ProductColumn column) {
    ProductKey key;
    key.id = product.id;
    switch (column) {
        case ProductColumn::kCreatedAt:
            key.time = product.created_at;
            break;
        case ProductColumn::kUpdatedAt:
            key.time = product.updated_at;
            break;
        case ProductColumn::kTitle:
            key.text = product.title;
            break;
        case ProductColumn::kHandle:
            key.text = product.handle.value_or("");
            break;
        case ProductColumn::kId:
            key.text = product.id;
            break;
    }
    return key;
}

}  // namespace batchd::core

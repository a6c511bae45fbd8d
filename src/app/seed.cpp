#include "app/seed.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <future>
#include <string>
#include <string_view>
#include <utility>

#include "core/ids.hpp"
#include "support/ascii.hpp"

namespace batchd::app {
namespace {

using std::chrono::milliseconds;

// splitmix64: tiny, fast, and the same sequence on every platform (std distributions are not).
std::uint64_t SplitMix(std::uint64_t value) {
    value += 0x9E3779B97F4A7C15ULL;
    value = (value ^ (value >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    value = (value ^ (value >> 27U)) * 0x94D049BB133111EBULL;
    return value ^ (value >> 31U);
}

std::uint64_t Mix(std::uint64_t a, std::uint64_t b) { return SplitMix(a ^ SplitMix(b)); }

// Each kind of thing draws from its own stream, so that product i is the same whatever else is made.
enum class Stream : std::uint64_t { kReferences = 1, kProducts, kOrders, kCustomers };

class Rng {
public:
    Rng(std::uint64_t seed, Stream stream, std::int64_t index)
        : state_(Mix(Mix(seed, static_cast<std::uint64_t>(stream)), static_cast<std::uint64_t>(index))) {}

    std::uint64_t Next() {
        state_ += 0x9E3779B97F4A7C15ULL;
        return SplitMix(state_);
    }

    /// Uniform in [0, bound); bound > 0. The modulo bias is irrelevant for test data.
    std::size_t Below(std::size_t bound) { return static_cast<std::size_t>(Next() % bound); }

    /// Uniform in [low, high].
    std::int64_t Between(std::int64_t low, std::int64_t high) {
        return low + static_cast<std::int64_t>(Next() % static_cast<std::uint64_t>(high - low + 1));
    }

    bool Percent(std::uint64_t percent) { return Next() % 100 < percent; }

    template <class T, std::size_t N>
    const T& Pick(const std::array<T, N>& items) {
        return items[Below(N)];
    }

    std::array<std::uint8_t, 10> Bytes() {
        std::array<std::uint8_t, 10> bytes{};
        std::uint64_t bits = Next();
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            if (i == 8) {
                bits = Next();
            }
            bytes[i] = static_cast<std::uint8_t>(bits & 0xffU);
            bits >>= 8U;
        }
        return bytes;
    }

    std::string Id(std::string_view prefix, core::TimePoint at) {
        return core::MakeUlidId(prefix, at, Bytes());
    }

private:
    std::uint64_t state_;
};

// The reference data is the same for every seed (see SeedReferences).
constexpr std::uint64_t kReferenceSeed = 0x5EED;

// 2024-01-01T00:00:00Z: products from here on, one second apart; references an hour before.
constexpr core::TimePoint kEpoch{milliseconds{1'704'067'200'000}};
constexpr core::TimePoint kReferencesAt = kEpoch - milliseconds{3'600'000};

struct RegionSpec {
    std::string_view name;
    std::string_view currency;
    double tax_rate;
    std::array<std::string_view, 3> countries;  // empty ones are skipped
    std::string_view city;
    std::string_view postal_code;
};

constexpr std::array<RegionSpec, 4> kRegions{{
    {"Europe", "eur", 20, {"de", "fr", "nl"}, "Berlin", "10115"},
    {"United States", "usd", 0, {"us", "", ""}, "Portland", "97201"},
    {"Denmark", "dkk", 25, {"dk", "", ""}, "København", "1050"},
    {"Japan", "jpy", 10, {"jp", "", ""}, "Tōkyō", "100-0001"},
}};

// Per mille of a euro amount in each region's currency (jpy is zero-decimal: yen, not cents).
constexpr std::array<std::int64_t, 4> kRateToEur{1000, 1080, 7460, 1600};

// Channel names that need quoting in the export (`;` and `,`).
constexpr std::array<std::string_view, 3> kChannelNames{"Default Sales Channel", "Webshop EU; Nordics",
                                                        "Wholesale, B2B"};
constexpr std::array<std::string_view, 3> kChannelDescriptions{"Created by batchd seed",
                                                               "The \"EU\" storefront", ""};

constexpr std::array<std::string_view, 6> kCollections{
    "Spring/Summer 2024",    "Autumn/Winter 2024", "Essentials", "Outlet",
    "The \"Nordic\" Series", "Home, Sweet Home"};

constexpr std::array<std::string_view, 5> kTypes{"Apparel", "Footwear", "Homeware", "Accessories",
                                                 "Stationery"};

constexpr std::array<std::string_view, 16> kTags{
    "new",     "sale",     "eco, organic", "bestseller",     "limited \"edition\"",
    "summer",  "winter",   "gift",         "unisex",         "kids",
    "50% off", "handmade", "vegan",        "b2b; wholesale", "outdoor",
    "home"};

struct CategorySpec {
    std::string_view name;
    int parent;  // index into kCategories, or -1
};

constexpr std::array<CategorySpec, 10> kCategories{{
    {"Apparel", -1},
    {"Home & Living", -1},
    {"Accessories", -1},
    {"Tops", 0},
    {"Bottoms", 0},
    {"Outerwear", 0},
    {"Kitchen", 1},
    {"Lighting", 1},
    {"Bags", 2},
    {"Scarves, Hats & Gloves", 2},
}};

constexpr std::array<std::string_view, 12> kAdjectives{"Classic",   "Modern",   "Vintage", "Organic",
                                                       "Essential", "Premium",  "Rustic",  "Urban",
                                                       "Nordic",    "Everyday", "Light",   "Heavy-Duty"};
constexpr std::array<std::string_view, 10> kMaterials{"Cotton",  "Linen", "Wool",  "Leather", "Bamboo",
                                                      "Ceramic", "Oak",   "Steel", "Denim",   "Cashmere"};
constexpr std::array<std::string_view, 12> kNouns{"T-Shirt",  "Hoodie",   "Sweatpants", "Mug",
                                                  "Backpack", "Sneakers", "Scarf",      "Lamp",
                                                  "Chair",    "Notebook", "Jacket",     "Tote Bag"};
constexpr std::array<std::string_view, 8> kCountries{"dk", "pt", "de", "it", "cn", "in", "tr", "us"};

struct OptionSpec {
    std::string_view title;
    std::span<const std::string_view> values;
};

constexpr std::array<std::string_view, 8> kSizes{"XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"};
constexpr std::array<std::string_view, 12> kColors{"Black",    "White", "Navy; Blue",    "Forest Green",
                                                   "Red",      "Sand",  "Grey, Heather", "Ochre",
                                                   "Burgundy", "Sky",   "Olive",         "Charcoal"};
constexpr std::array<std::string_view, 6> kFinishes{"Matte", "Glossy", "Brushed",
                                                    "Raw",   "Waxed",  "\"Stone\" washed"};
const std::array<OptionSpec, 3> kOptions{{{"Size", kSizes}, {"Color", kColors}, {"Finish", kFinishes}}};

constexpr std::array<std::string_view, 12> kFirstNames{"Anna", "Lars",  "Mette",  "Sofia", "Kenji", "Yuki",
                                                       "John", "Maria", "Pierre", "Chloé", "Seán",  "Ida"};
constexpr std::array<std::string_view, 10> kLastNames{"Jensen", "Nielsen", "O'Brien", "Tanaka", "Smith",
                                                      "Dubois", "Müller",  "Rossi",   "Sato",   "García"};
constexpr std::array<std::string_view, 8> kStreets{"Main Street",  "Nørregade",  "Rue de Rivoli",
                                                   "Sakura-dōri",  "Elm Avenue", "Königsallee",
                                                   "Harbour Road", "Via Roma"};

// "The \"Nordic\" Series" → "the-nordic-series": ASCII letters and digits, runs of others → '-'.
std::string Slug(std::string_view text) {
    std::string slug;
    slug.reserve(text.size());
    for (const char c : text) {
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (alnum) {
            slug.push_back(c);
        } else if (c >= 'A' && c <= 'Z') {
            slug.push_back(static_cast<char>(c - 'A' + 'a'));
        } else if (!slug.empty() && slug.back() != '-') {
            slug.push_back('-');
        }
    }
    while (!slug.empty() && slug.back() == '-') {
        slug.pop_back();
    }
    return slug;
}

std::string Digits(Rng& rng, int count) {
    std::string digits;
    digits.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        digits.push_back(static_cast<char>('0' + rng.Below(10)));
    }
    return digits;
}

// `value` in decimal, with leading zeros to `width` digits.
std::string Padded(std::int64_t value, std::size_t width) {
    std::string digits = std::to_string(value);
    if (digits.size() < width) {
        digits.insert(0, width - digits.size(), '0');
    }
    return digits;
}

// A shop price: whole hundreds of yen, or cents ending in 99.
std::int64_t Charm(std::int64_t amount, bool zero_decimal) {
    const std::int64_t rounded = std::max<std::int64_t>(1, (amount + 50) / 100) * 100;
    return zero_decimal ? rounded : rounded - 1;
}

SeedReferences MakeReferences() {
    Rng rng{kReferenceSeed, Stream::kReferences, 0};
    SeedReferences references;
    core::TimePoint at = kReferencesAt;
    const auto next_time = [&at] { return at += milliseconds{1000}; };

    for (const RegionSpec& spec : kRegions) {
        core::Region region;
        region.created_at = region.updated_at = next_time();
        region.id = rng.Id("reg_", region.created_at);
        region.name = std::string(spec.name);
        region.currency_code = std::string(spec.currency);
        region.tax_rate = spec.tax_rate;
        for (const std::string_view country : spec.countries) {
            if (!country.empty()) {
                region.countries.emplace_back(country);
            }
        }
        references.regions.push_back(std::move(region));
    }
    for (std::size_t i = 0; i < kChannelNames.size(); ++i) {
        core::SalesChannel channel;
        channel.created_at = channel.updated_at = next_time();
        channel.id = rng.Id("sc_", channel.created_at);
        channel.name = std::string(kChannelNames[i]);
        if (!kChannelDescriptions[i].empty()) {
            channel.description = std::string(kChannelDescriptions[i]);
        }
        channel.is_default = i == 0;
        references.sales_channels.push_back(std::move(channel));
    }
    for (const std::string_view title : kCollections) {
        core::ProductCollection collection;
        collection.created_at = collection.updated_at = next_time();
        collection.id = rng.Id("pcol_", collection.created_at);
        collection.title = std::string(title);
        collection.handle = Slug(title);
        references.collections.push_back(std::move(collection));
    }
    for (const std::string_view value : kTypes) {
        references.types.push_back({rng.Id("ptyp_", next_time()), std::string(value)});
    }
    for (const std::string_view value : kTags) {
        references.tags.push_back({rng.Id("ptag_", next_time()), std::string(value)});
    }
    std::int32_t rank = 0;
    for (const CategorySpec& spec : kCategories) {
        core::ProductCategory category;
        category.created_at = category.updated_at = next_time();
        category.id = rng.Id("pcat_", category.created_at);
        category.name = std::string(spec.name);
        category.handle = Slug(spec.name);
        category.description = "All things " + AsciiLower(spec.name) + ".";
        if (spec.parent >= 0) {
            category.parent_category_id = references.categories[static_cast<std::size_t>(spec.parent)].id;
        }
        category.rank = rank++;
        references.categories.push_back(std::move(category));
    }
    references.profiles.push_back({rng.Id("sp_", next_time()), "Default Shipping Profile", "default"});
    references.profiles.push_back({rng.Id("sp_", next_time()), "Gift Card Profile", "gift_card"});
    return references;
}

std::string Description(Rng& rng,
                        std::int64_t index,
                        std::string_view adjective,
                        std::string_view material,
                        std::string_view noun) {
    std::string text =
        "A " + AsciiLower(adjective) + " " + AsciiLower(noun) + " made of " + AsciiLower(material) + ".";
    // Fixed residues, so that every catalog of more than a few dozen products has each quoting case.
    if (index % 5 == 1) {
        text += " Soft, durable; machine washable at 30°C.";
    }
    if (index % 7 == 2) {
        text += " Our \"best-seller\" since 2019.";
    }
    if (index % 11 == 3) {
        text += "\nCare: wash cold, dry flat.";
    }
    if (rng.Percent(30)) {
        text += " Designed in Copenhagen.";
    }
    return text;
}

void AddOptionsAndVariants(Rng& rng,
                           core::Product& product,
                           std::int64_t index,
                           const SeedOptions& options,
                           const std::vector<core::Region>& regions) {
    const std::size_t option_count = 1 + rng.Below(3);
    std::size_t combinations = 1;
    for (std::size_t o = 0; o < option_count; ++o) {
        product.options.push_back({rng.Id("opt_", product.created_at), std::string(kOptions[o].title)});
        combinations *= kOptions[o].values.size();
    }

    // Prices: one per currency (in region order), then one for the product's region.
    const std::size_t price_region = static_cast<std::size_t>(index) % regions.size();
    const std::int64_t base_cents = rng.Between(5, 200) * 100;
    const bool has_zero_price = rng.Percent(2);

    // Zero-padded, so that SKUs grow with the product number: the unique SKU index then takes each
    // new one at its end instead of all over the tree (a large bulk insert stays fast).
    const std::string sku_prefix = "SKU-" + std::to_string(options.seed) + "-" + Padded(index, 8) + "-";
    product.variants.reserve(static_cast<std::size_t>(options.variants_per_product));
    for (std::int32_t v = 0; v < options.variants_per_product; ++v) {
        core::ProductVariant variant;
        variant.created_at = variant.updated_at = product.created_at;
        variant.id = rng.Id("variant_", variant.created_at);
        variant.variant_rank = v;

        // Option values: the variant number in mixed radix over the options' value lists; past the
        // last combination the first value gets a running suffix so every variant stays distinct.
        std::string title;
        std::size_t rest = static_cast<std::size_t>(v);
        for (std::size_t o = 0; o < option_count; ++o) {
            const auto values = kOptions[o].values;
            std::string value{values[rest % values.size()]};
            rest /= values.size();
            if (o == 0 && static_cast<std::size_t>(v) >= combinations) {
                value += " " + std::to_string(static_cast<std::size_t>(v) / combinations + 1);
            }
            if (!title.empty()) {
                title += " / ";
            }
            title += value;
            variant.options.push_back(
                {rng.Id("optval_", variant.created_at), product.options[o].id, std::move(value)});
        }
        variant.title = std::move(title);
        variant.sku = sku_prefix + Padded(v, 3);
        if (rng.Percent(60)) {
            variant.barcode = Digits(rng, 13);
        }
        if (rng.Percent(30)) {
            variant.ean = Digits(rng, 13);
        }
        if (rng.Percent(20)) {
            variant.upc = Digits(rng, 12);
        }
        variant.inventory_quantity = rng.Between(0, 500);
        variant.allow_backorder = rng.Percent(10);
        variant.manage_inventory = !rng.Percent(5);
        if (rng.Percent(50)) {
            variant.weight = rng.Between(50, 3000);
        }
        if (rng.Percent(10)) {
            variant.material = AsciiLower(kMaterials[rng.Below(kMaterials.size())]);
        }

        const std::int64_t cents = base_cents + v * 100;
        variant.prices.reserve(regions.size() + 1);
        for (std::size_t r = 0; r < regions.size(); ++r) {
            const bool zero_decimal = regions[r].currency_code == "jpy";
            core::MoneyAmount price;
            price.id = rng.Id("ma_", variant.created_at);
            price.currency_code = regions[r].currency_code;
            price.amount = Charm(cents * kRateToEur[r] / 1000, zero_decimal);
            if (has_zero_price && v == 0 && r == 1) {
                price.amount = 0;  // a free variant: the export's empty cell
            }
            variant.prices.push_back(std::move(price));
        }
        core::MoneyAmount region_price;
        region_price.id = rng.Id("ma_", variant.created_at);
        region_price.currency_code = regions[price_region].currency_code;
        region_price.region_id = regions[price_region].id;
        region_price.amount = variant.prices[price_region].amount * 9 / 10;  // a regional discount
        variant.prices.push_back(std::move(region_price));

        product.variants.push_back(std::move(variant));
    }
}

}  // namespace

CatalogGenerator::CatalogGenerator(const SeedOptions& options)
    : options_(options), references_(MakeReferences()) {}

void CatalogGenerator::AdoptDefaultSalesChannel(core::SalesChannel channel) {
    references_.sales_channels.front() = std::move(channel);
}

void CatalogGenerator::AdoptDefaultProfile(core::ShippingProfile profile) {
    references_.profiles.front() = std::move(profile);
}

core::Product CatalogGenerator::MakeProduct(std::int64_t index) const {
    Rng rng{options_.seed, Stream::kProducts, index};
    const SeedReferences& refs = references_;
    core::Product product;
    // Strictly increasing: second `index` plus less than a second of jitter.
    product.created_at = kEpoch + milliseconds{index * 1000 + rng.Between(0, 999)};
    product.updated_at = product.created_at + milliseconds{rng.Between(0, 86'400'000)};
    product.id = rng.Id("prod_", product.created_at);

    const std::string_view adjective = rng.Pick(kAdjectives);
    const std::string_view material = rng.Pick(kMaterials);
    const std::string_view noun = rng.Pick(kNouns);
    product.title = std::string(adjective) + " " + std::string(material) + " " + std::string(noun);
    if (index % 13 == 4) {
        product.title += ", 2-Pack";
    } else if (index % 17 == 5) {
        product.title = "The \"" + product.title + "\"";
    }
    product.handle = Slug(product.title) + "-" + std::to_string(options_.seed) + "-" + std::to_string(index);
    if (index % 50 != 0) {
        product.description = Description(rng, index, adjective, material, noun);
    }
    if (rng.Percent(30)) {
        product.subtitle = "Made to last; " + AsciiLower(material) + " edition";
    }

    const std::uint64_t status = rng.Next() % 100;
    product.status = status < 80   ? "published"
                     : status < 90 ? "draft"
                     : status < 97 ? "proposed"
                                   : "rejected";
    product.is_giftcard = rng.Percent(1);
    product.discountable = !product.is_giftcard && !rng.Percent(5);
    product.profile_id = refs.profiles[product.is_giftcard ? 1 : 0].id;
    if (rng.Percent(70)) {
        product.weight = rng.Between(100, 5000);
    }
    if (rng.Percent(30)) {
        product.length = rng.Between(10, 100);
        product.width = rng.Between(10, 100);
        product.height = rng.Between(1, 50);
    }
    if (rng.Percent(40)) {
        product.hs_code = "6109.10";
        product.origin_country = std::string(rng.Pick(kCountries));
    }
    if (rng.Percent(10)) {
        product.mid_code = "DK" + Digits(rng, 8);
    }
    product.material = AsciiLower(material);
    if (rng.Percent(5)) {
        product.external_id = "ext-" + Digits(rng, 10);
    }

    if (rng.Percent(85)) {
        product.collection_id = refs.collections[rng.Below(refs.collections.size())].id;
    }
    if (rng.Percent(90)) {
        const core::ProductType& type = refs.types[rng.Below(refs.types.size())];
        product.type_id = type.id;
        product.type = type;
    }

    // 0–3 distinct tags: a random start and stride through the pool.
    const std::size_t tag_count = rng.Below(4);
    const std::size_t tag_start = rng.Below(refs.tags.size());
    for (std::size_t t = 0; t < tag_count; ++t) {
        product.tags.push_back(refs.tags[(tag_start + t * 5) % refs.tags.size()]);
    }

    const std::size_t image_count = 1 + rng.Below(3);
    for (std::size_t i = 0; i < image_count; ++i) {
        product.images.push_back(
            {rng.Id("img_", product.created_at),
             "https://cdn.example.com/products/" + *product.handle + "/" + std::to_string(i + 1) + ".jpg"});
    }
    product.thumbnail = product.images.front().url;

    product.sales_channels.push_back(refs.sales_channels[0]);
    if (rng.Percent(40)) {
        product.sales_channels.push_back(refs.sales_channels[1]);
    }
    if (rng.Percent(20)) {
        product.sales_channels.push_back(refs.sales_channels[2]);
    }
    const std::uint64_t categories = rng.Next() % 100;
    if (categories < 75) {
        // A leaf category (indexes 3…), and sometimes its parent as well.
        const core::ProductCategory& leaf = refs.categories[3 + rng.Below(refs.categories.size() - 3)];
        product.categories.push_back(leaf);
        if (categories < 15) {
            const auto parent =
                std::find_if(refs.categories.begin(), refs.categories.end(),
                             [&leaf](const auto& c) { return c.id == leaf.parent_category_id; });
            product.categories.push_back(*parent);
        }
    }

    AddOptionsAndVariants(rng, product, index, options_, refs.regions);
    return product;
}

core::Customer CatalogGenerator::MakeCustomer(std::int64_t number) const {
    Rng rng{options_.seed, Stream::kCustomers, number};
    core::Customer customer;
    customer.id = rng.Id("cus_", kReferencesAt + milliseconds{number});
    const std::string_view first = rng.Pick(kFirstNames);
    const std::string_view last = rng.Pick(kLastNames);
    customer.first_name = std::string(first);
    customer.last_name = std::string(last);
    customer.email = Slug(first) + "." + Slug(last) + "." + std::to_string(options_.seed) + "." +
                     std::to_string(number) + "@example.com";
    return customer;
}

core::Order CatalogGenerator::MakeOrder(std::int64_t index) const {
    Rng rng{options_.seed, Stream::kOrders, index};
    const SeedReferences& refs = references_;
    core::Order order;
    order.created_at = kEpoch + milliseconds{options_.products * 1000 + index * 1000 + rng.Between(0, 999)};
    order.updated_at = order.created_at + milliseconds{rng.Between(0, 3'600'000)};
    order.id = rng.Id("order_", order.created_at);
    order.display_id = index + 1;

    const std::int64_t customer_pool = std::max<std::int64_t>(1, options_.orders / 3);
    order.customer =
        MakeCustomer(static_cast<std::int64_t>(rng.Next() % static_cast<std::uint64_t>(customer_pool)));
    order.email = order.customer->email;

    const std::size_t region_index = rng.Below(refs.regions.size());
    const core::Region& region = refs.regions[region_index];
    const RegionSpec& spec = kRegions[region_index];
    order.region_id = region.id;
    order.currency_code = region.currency_code;
    const core::SalesChannel& channel =
        rng.Percent(80) ? refs.sales_channels[0]
                        : refs.sales_channels[1 + rng.Below(refs.sales_channels.size() - 1)];
    order.sales_channel_id = channel.id;
    order.sales_channel = channel;

    // Statuses that go together, as a shop's orders do.
    const std::uint64_t roll = rng.Next() % 100;
    if (roll < 50) {
        order.status = "completed";
        order.fulfillment_status = roll < 40 ? "fulfilled" : "shipped";
        order.payment_status = "captured";
    } else if (roll < 80) {
        order.status = "pending";
        order.fulfillment_status = roll < 70 ? "not_fulfilled" : "partially_fulfilled";
        order.payment_status = roll < 65 ? "awaiting" : "captured";
    } else if (roll < 90) {
        order.status = "canceled";
        order.fulfillment_status = "canceled";
        order.payment_status = "canceled";
    } else if (roll < 95) {
        order.status = "archived";
        order.fulfillment_status = "returned";
        order.payment_status = "refunded";
    } else {
        order.status = "requires_action";
        order.fulfillment_status = "not_fulfilled";
        order.payment_status = "requires_action";
    }

    const bool zero_decimal = region.currency_code == "jpy";
    const std::int64_t scale = zero_decimal ? 1 : 100;
    order.subtotal = rng.Between(10, 500) * scale * (zero_decimal ? 160 : 1);
    order.shipping_total = rng.Percent(30) ? 0 : (zero_decimal ? 800 : 495);
    order.discount_total = rng.Percent(20) ? order.subtotal / 10 : 0;
    order.gift_card_total = rng.Percent(3) ? std::min<std::int64_t>(order.subtotal / 2, 25 * scale) : 0;
    const auto taxable = order.subtotal - order.discount_total + order.shipping_total;
    order.tax_total = taxable * static_cast<std::int64_t>(region.tax_rate) / 100;
    order.total = taxable - order.gift_card_total + order.tax_total;
    order.refunded_total = order.payment_status == "refunded" ? order.total : 0;

    core::Address address;
    address.id = rng.Id("addr_", order.created_at);
    address.first_name = order.customer->first_name;
    address.last_name = order.customer->last_name;
    if (rng.Percent(15)) {
        address.company = "Nordlys, Design & Co.";
    }
    address.address_1 = std::to_string(rng.Between(1, 200)) + " " + std::string(rng.Pick(kStreets));
    if (rng.Percent(25)) {
        address.address_2 = "Apt " + std::to_string(rng.Between(1, 40)) + ", 2nd floor";
    }
    address.city = std::string(spec.city);
    address.postal_code = std::string(spec.postal_code);
    address.country_code = region.countries[rng.Below(region.countries.size())];
    if (rng.Percent(60)) {
        address.phone = "+" + Digits(rng, 10);
    }
    order.shipping_address = std::move(address);
    return order;
}

core::Result<SeedCounts> SeedCatalog(core::CatalogStore& catalog, const SeedOptions& options) {
    CatalogGenerator generator{options};
    // A store has one default channel and one default profile: join those rather than replace them.
    bool own_channel = true;
    if (auto existing = catalog.DefaultSalesChannel()) {
        generator.AdoptDefaultSalesChannel(*std::move(existing));
        own_channel = false;
    }
    bool own_profile = true;
    if (auto existing = catalog.ShippingProfileOfType("default")) {
        generator.AdoptDefaultProfile(*std::move(existing));
        own_profile = false;
    }
    const SeedReferences& refs = generator.References();
    for (const core::Region& region : refs.regions) {
        if (auto written = catalog.PutRegion(region); !written) {
            return written.error();
        }
    }
    for (std::size_t i = own_channel ? 0 : 1; i < refs.sales_channels.size(); ++i) {
        if (auto written = catalog.PutSalesChannel(refs.sales_channels[i]); !written) {
            return written.error();
        }
    }
    for (const core::ProductCollection& collection : refs.collections) {
        if (auto written = catalog.PutCollection(collection); !written) {
            return written.error();
        }
    }
    for (const core::ProductCategory& category : refs.categories) {
        if (auto written = catalog.PutCategory(category); !written) {
            return written.error();
        }
    }
    for (std::size_t i = own_profile ? 0 : 1; i < refs.profiles.size(); ++i) {
        if (auto written = catalog.PutShippingProfile(refs.profiles[i]); !written) {
            return written.error();
        }
    }

    // The next batch is made on another thread while the store writes this one: on a machine with
    // two cores the generator then costs no time at all.
    const std::int64_t batch_size = std::max<std::int64_t>(1, options.batch_size);
    const auto make_batch = [&generator, &options, batch_size](std::int64_t start) {
        std::vector<core::Product> batch;
        const std::int64_t end = std::min(options.products, start + batch_size);
        batch.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, end - start)));
        for (std::int64_t index = start; index < end; ++index) {
            batch.push_back(generator.MakeProduct(index));
        }
        return batch;
    };
    SeedCounts counts;
    std::future<std::vector<core::Product>> next = std::async(std::launch::async, make_batch, 0);
    for (std::int64_t start = 0; start < options.products; start += batch_size) {
        const std::vector<core::Product> products = next.get();
        if (start + batch_size < options.products) {
            next = std::async(std::launch::async, make_batch, start + batch_size);
        }
        if (auto written = catalog.PutProducts(products); !written) {
            return written.error();  // the future's destructor waits for the batch being made
        }
        counts.products += static_cast<std::int64_t>(products.size());
        for (const core::Product& product : products) {
            counts.variants += static_cast<std::int64_t>(product.variants.size());
        }
    }

    std::vector<core::Order> orders;
    for (std::int64_t start = 0; start < options.orders; start += batch_size) {
        orders.clear();
        const std::int64_t end = std::min(options.orders, start + batch_size);
        for (std::int64_t index = start; index < end; ++index) {
            orders.push_back(generator.MakeOrder(index));
        }
        if (auto written = catalog.PutOrders(orders); !written) {
            return written.error();
        }
        counts.orders = end;
    }
    return counts;
}

}  // namespace batchd::app

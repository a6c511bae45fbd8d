-- The catalog (core/catalog.hpp): Medusa v1's products with their options, variants, prices and
-- relations, regions, price lists and orders; the same tables as the SQLite store, in
-- PostgreSQL's types. As in 0001: timestamps are timestamptz written with millisecond precision.
--
-- Ids, titles and handles are COLLATE "C": lists sort them by bytes, as std::string compares and
-- SQLite sorts, whatever the database's locale, and the keyset indexes below then serve the
-- ORDER BY as written (an index serves only the collation it was built with).
-- Child rows carry a `position` (or `variant_rank`) so that vectors come back in the order they
-- were written. Every `*_id = ANY ($1)` read of a page has an index that starts with that column.
--
-- The rows there are several of per variant (variants, prices, option values) have no foreign
-- keys: a per-row referential trigger more than doubled the time of a bulk PutProducts (seeding
-- 1M variants writes ~6M such rows). Only the store writes them, and it checks their references
-- set-based before writing (pg_catalog_store.cpp) and deletes them with their variant; nothing
-- deletes a region, product, option or price list for good. Everything written once per product
-- or per link keeps its foreign keys.

CREATE TABLE region (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    name          text             NOT NULL,
    currency_code text             NOT NULL,              -- lower case
    tax_rate      double precision NOT NULL DEFAULT 0,
    countries     text[]           NOT NULL DEFAULT '{}', -- ISO 3166-1 alpha-2, lower case, in order
    created_at    timestamptz      NOT NULL DEFAULT now(),
    updated_at    timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX region_created_at_id ON region (created_at, id);

CREATE TABLE product_collection (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    title      text             NOT NULL,
    handle     text             NOT NULL,
    created_at timestamptz      NOT NULL DEFAULT now(),
    updated_at timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX product_collection_created_at_id ON product_collection (created_at, id);

-- Types and tags are matched by value when a product is written (CatalogStore::PutProducts).
CREATE TABLE product_type (
    id    text COLLATE "C" NOT NULL PRIMARY KEY,
    value text             NOT NULL UNIQUE
);

CREATE TABLE product_tag (
    id    text COLLATE "C" NOT NULL PRIMARY KEY,
    value text             NOT NULL UNIQUE
);

CREATE TABLE image (
    id  text COLLATE "C" NOT NULL PRIMARY KEY,
    url text             NOT NULL
);

CREATE TABLE sales_channel (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    name        text             NOT NULL,
    description text,
    is_disabled boolean          NOT NULL DEFAULT false,
    is_default  boolean          NOT NULL DEFAULT false,
    created_at  timestamptz      NOT NULL DEFAULT now(),
    updated_at  timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX sales_channel_created_at_id ON sales_channel (created_at, id);
-- At most one default channel.
CREATE UNIQUE INDEX sales_channel_one_default ON sales_channel (is_default) WHERE is_default;

CREATE TABLE product_category (
    id                 text COLLATE "C" NOT NULL PRIMARY KEY,
    name               text             NOT NULL,
    handle             text             NOT NULL,
    description        text             NOT NULL DEFAULT '',
    parent_category_id text COLLATE "C" REFERENCES product_category (id),
    is_active          boolean          NOT NULL DEFAULT true,
    is_internal        boolean          NOT NULL DEFAULT false,
    rank               integer          NOT NULL DEFAULT 0,
    created_at         timestamptz      NOT NULL DEFAULT now(),
    updated_at         timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX product_category_rank_id ON product_category (rank, id);
CREATE INDEX product_category_parent ON product_category (parent_category_id);

-- seq: "the first profile of a type" is the first one written.
CREATE TABLE shipping_profile (
    seq  bigserial        NOT NULL UNIQUE,
    id   text COLLATE "C" NOT NULL PRIMARY KEY,
    name text             NOT NULL,
    type text             NOT NULL
);
CREATE INDEX shipping_profile_type_seq ON shipping_profile (type, seq);

CREATE TABLE product (
    id             text COLLATE "C" NOT NULL PRIMARY KEY,
    title          text COLLATE "C" NOT NULL,
    subtitle       text,
    description    text,
    handle         text COLLATE "C",
    is_giftcard    boolean          NOT NULL DEFAULT false,
    status         text             NOT NULL DEFAULT 'draft',
    thumbnail      text,
    weight         bigint,
    length         bigint,
    height         bigint,
    width          bigint,
    hs_code        text,
    origin_country text,
    mid_code       text,
    material       text,
    collection_id  text COLLATE "C" REFERENCES product_collection (id),
    type_id        text COLLATE "C" REFERENCES product_type (id),
    profile_id     text COLLATE "C" REFERENCES shipping_profile (id),
    discountable   boolean          NOT NULL DEFAULT true,
    external_id    text,
    created_at     timestamptz      NOT NULL DEFAULT now(),
    updated_at     timestamptz      NOT NULL DEFAULT now(),
    deleted_at     timestamptz
);
-- A handle belongs to one live product (Medusa's IDX_product_handle_unique); a soft-deleted
-- product frees it.
CREATE UNIQUE INDEX product_handle_unique ON product (handle) WHERE deleted_at IS NULL;
-- The keyset orders of a product list (ProductColumn); lists never see soft-deleted products, and
-- repeating that predicate lets the planner use these partial indexes. Descending lists scan them
-- backwards. A NULL handle sorts as the empty string (core::KeyOf).
CREATE INDEX product_created_at_id ON product (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX product_updated_at_id ON product (updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX product_title_id ON product (title, id) WHERE deleted_at IS NULL;
CREATE INDEX product_handle_id ON product ((COALESCE(handle, '')), id) WHERE deleted_at IS NULL;
CREATE INDEX product_collection_id ON product (collection_id);
CREATE INDEX product_type_id ON product (type_id);

CREATE TABLE product_tags (
    product_id     text COLLATE "C" NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    product_tag_id text COLLATE "C" NOT NULL REFERENCES product_tag (id) ON DELETE CASCADE,
    position       integer          NOT NULL,
    PRIMARY KEY (product_id, product_tag_id)
);
CREATE INDEX product_tags_tag ON product_tags (product_tag_id);

CREATE TABLE product_images (
    product_id text COLLATE "C" NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    image_id   text COLLATE "C" NOT NULL REFERENCES image (id) ON DELETE CASCADE,
    position   integer          NOT NULL,
    PRIMARY KEY (product_id, image_id)
);
CREATE INDEX product_images_image ON product_images (image_id);

CREATE TABLE product_sales_channel (
    product_id       text COLLATE "C" NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    sales_channel_id text COLLATE "C" NOT NULL REFERENCES sales_channel (id) ON DELETE CASCADE,
    position         integer          NOT NULL,
    PRIMARY KEY (product_id, sales_channel_id)
);
CREATE INDEX product_sales_channel_channel ON product_sales_channel (sales_channel_id);

CREATE TABLE product_category_product (
    product_id          text COLLATE "C" NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    product_category_id text COLLATE "C" NOT NULL REFERENCES product_category (id) ON DELETE CASCADE,
    position            integer          NOT NULL,
    PRIMARY KEY (product_id, product_category_id)
);
CREATE INDEX product_category_product_category ON product_category_product (product_category_id);

CREATE TABLE product_option (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    product_id text COLLATE "C" NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    title      text             NOT NULL,
    position   integer          NOT NULL
);
CREATE INDEX product_option_product ON product_option (product_id, position);

CREATE TABLE product_variant (
    id                 text COLLATE "C" NOT NULL PRIMARY KEY,
    product_id         text COLLATE "C" NOT NULL,  -- product (id)
    title              text             NOT NULL,
    sku                text,
    barcode            text,
    ean                text,
    upc                text,
    inventory_quantity bigint           NOT NULL DEFAULT 0,
    allow_backorder    boolean          NOT NULL DEFAULT false,
    manage_inventory   boolean          NOT NULL DEFAULT true,
    weight             bigint,
    length             bigint,
    height             bigint,
    width              bigint,
    hs_code            text,
    origin_country     text,
    mid_code           text,
    material           text,
    variant_rank       integer          NOT NULL DEFAULT 0,
    created_at         timestamptz      NOT NULL DEFAULT now(),
    updated_at         timestamptz      NOT NULL DEFAULT now(),
    deleted_at         timestamptz
);
CREATE INDEX product_variant_product ON product_variant (product_id, variant_rank);
-- A SKU belongs to one live variant (Medusa's IDX_product_variant_sku_unique).
CREATE UNIQUE INDEX product_variant_sku_unique ON product_variant (sku) WHERE deleted_at IS NULL;

-- product_id repeats the variant's product (as does money_amount's): a page of products reads the
-- option values and prices of all its variants with one index range scan per product, instead of
-- one lookup per variant (which made them most of an export's read time).
CREATE TABLE product_variant_option_value (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    variant_id text COLLATE "C" NOT NULL,  -- product_variant (id)
    product_id text COLLATE "C" NOT NULL,  -- product (id): the variant's
    option_id  text COLLATE "C" NOT NULL,  -- product_option (id), of the variant's product
    value      text             NOT NULL,
    position   integer          NOT NULL
);
-- The one index besides the key (each costs every row a seed writes): a page's reads, and the
-- store's deletes of a variant's rows, which know the variant's product.
CREATE INDEX product_variant_option_value_product ON product_variant_option_value (product_id, variant_id, position);

CREATE TABLE price_list (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    name        text             NOT NULL,
    description text             NOT NULL DEFAULT '',
    type        text             NOT NULL DEFAULT 'sale',
    status      text             NOT NULL DEFAULT 'draft',
    starts_at   timestamptz,
    ends_at     timestamptz,
    created_at  timestamptz      NOT NULL DEFAULT now(),
    updated_at  timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX price_list_created_at_id ON price_list (created_at, id);

-- A price of a variant: its own (price_list_id NULL) or a price list's. `position` is its place in
-- the vector it was written with (creation order).
CREATE TABLE money_amount (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    currency_code text             NOT NULL,  -- lower case; a region price has its region's
    amount        bigint           NOT NULL,
    min_quantity  bigint,
    max_quantity  bigint,
    variant_id    text COLLATE "C" NOT NULL,  -- product_variant (id)
    product_id    text COLLATE "C" NOT NULL,  -- product (id): the variant's (see product_variant_option_value)
    region_id     text COLLATE "C",           -- region (id)
    price_list_id text COLLATE "C",           -- price_list (id)
    position      integer          NOT NULL
);
-- Only the indexes reads use: every index costs each of the millions of rows a seed writes.
-- By product, as product_variant_option_value: a page's reads (of own prices; price lists are
-- few) and the store's deletes of a variant's prices.
CREATE INDEX money_amount_product ON money_amount (product_id, variant_id, position);
CREATE INDEX money_amount_price_list ON money_amount (price_list_id, position) WHERE price_list_id IS NOT NULL;

CREATE TABLE customer (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    email      text             NOT NULL,
    first_name text,
    last_name  text
);

CREATE TABLE address (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    first_name   text,
    last_name    text,
    company      text,
    address_1    text,
    address_2    text,
    city         text,
    province     text,
    postal_code  text,
    country_code text,
    phone        text
);

-- "order" is a reserved word, hence the quotes (Medusa's table has the same name). No foreign
-- keys to region and sales channel: an order keeps the ids it was placed with, as fixtures give
-- them; a read joins what still exists.
CREATE TABLE "order" (
    id                  text COLLATE "C" NOT NULL PRIMARY KEY,
    display_id          bigint           NOT NULL DEFAULT 0,
    status              text             NOT NULL DEFAULT 'pending',
    fulfillment_status  text             NOT NULL DEFAULT 'not_fulfilled',
    payment_status      text             NOT NULL DEFAULT 'not_paid',
    email               text             NOT NULL DEFAULT '',
    currency_code       text             NOT NULL,
    region_id           text COLLATE "C" NOT NULL,
    sales_channel_id    text COLLATE "C",
    customer_id         text COLLATE "C" REFERENCES customer (id),
    shipping_address_id text COLLATE "C" REFERENCES address (id),
    subtotal            bigint           NOT NULL DEFAULT 0,
    shipping_total      bigint           NOT NULL DEFAULT 0,
    discount_total      bigint           NOT NULL DEFAULT 0,
    gift_card_total     bigint           NOT NULL DEFAULT 0,
    refunded_total      bigint           NOT NULL DEFAULT 0,
    tax_total           bigint           NOT NULL DEFAULT 0,
    total               bigint           NOT NULL DEFAULT 0,
    created_at          timestamptz      NOT NULL DEFAULT now(),
    updated_at          timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX order_created_at_id ON "order" (created_at, id);
CREATE INDEX order_customer ON "order" (customer_id);
CREATE INDEX order_shipping_address ON "order" (shipping_address_id);
CREATE INDEX order_region ON "order" (region_id);
CREATE INDEX order_sales_channel ON "order" (sales_channel_id);
CREATE INDEX order_email ON "order" (email);

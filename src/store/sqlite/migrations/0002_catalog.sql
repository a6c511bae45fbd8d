-- The catalog (core/catalog.hpp): Medusa v1's products with their variants, prices, options and
-- relations, regions, price lists and orders. Conventions as in 0001: timestamps are INTEGER unix
-- milliseconds, booleans INTEGER 0/1, STRICT tables. Child rows keep a `position` so that vectors
-- come back in the order they were written. Every `*_id IN (…)` lookup of a product page has an
-- index that starts with that column.
--
-- Seeding writes millions of child rows, and each b-tree a row goes into costs: the small tables
-- keyed by a text id are WITHOUT ROWID (the primary key is the table, not a second index), and
-- indexes that only some rows need are partial.
--
-- An export reads every variant with its prices and option values: those three tables are
-- clustered by their owner in read order (primary key owner id, order columns, id), so a page's
-- rows are one range scan of the table each, with no second lookup per row; a unique index on id
-- serves upserts and foreign keys.

CREATE TABLE region (
    id            TEXT    NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    currency_code TEXT    NOT NULL,  -- lower case
    tax_rate      REAL    NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX region_created_at ON region (created_at, id);

CREATE TABLE region_country (
    region_id TEXT    NOT NULL REFERENCES region (id) ON DELETE CASCADE,
    iso_2     TEXT    NOT NULL,  -- lower case
    position  INTEGER NOT NULL,
    PRIMARY KEY (region_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE product_collection (
    id         TEXT    NOT NULL PRIMARY KEY,
    title      TEXT    NOT NULL,
    handle     TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX product_collection_created_at ON product_collection (created_at, id);

-- Types and tags are matched by value (PutProducts reuses an existing one).
CREATE TABLE product_type (
    id    TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL UNIQUE
) STRICT, WITHOUT ROWID;

CREATE TABLE product_tag (
    id    TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL UNIQUE
) STRICT, WITHOUT ROWID;

CREATE TABLE image (
    id  TEXT NOT NULL PRIMARY KEY,
    url TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sales_channel (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    description TEXT,
    is_disabled INTEGER NOT NULL DEFAULT 0 CHECK (is_disabled IN (0, 1)),
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sales_channel_created_at ON sales_channel (created_at, id);
-- At most one default channel; PutSalesChannel clears the old one in the same transaction.
CREATE UNIQUE INDEX sales_channel_one_default ON sales_channel (is_default) WHERE is_default = 1;

CREATE TABLE product_category (
    id                 TEXT    NOT NULL PRIMARY KEY,
    name               TEXT    NOT NULL,
    handle             TEXT    NOT NULL UNIQUE,
    description        TEXT    NOT NULL DEFAULT '',
    parent_category_id TEXT REFERENCES product_category (id),
    is_active          INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_internal        INTEGER NOT NULL DEFAULT 0 CHECK (is_internal IN (0, 1)),
    rank               INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX product_category_rank ON product_category (rank, id);
CREATE INDEX product_category_parent ON product_category (parent_category_id);

CREATE TABLE shipping_profile (
    id   TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL  -- default, gift_card or custom
) STRICT;
CREATE INDEX shipping_profile_type ON shipping_profile (type);

CREATE TABLE product (
    id             TEXT    NOT NULL PRIMARY KEY,
    title          TEXT    NOT NULL,
    subtitle       TEXT,
    description    TEXT,
    handle         TEXT,
    is_giftcard    INTEGER NOT NULL DEFAULT 0 CHECK (is_giftcard IN (0, 1)),
    status         TEXT    NOT NULL DEFAULT 'draft',
    thumbnail      TEXT,
    weight         INTEGER,
    length         INTEGER,
    height         INTEGER,
    width          INTEGER,
    hs_code        TEXT,
    origin_country TEXT,
    mid_code       TEXT,
    material       TEXT,
    collection_id  TEXT REFERENCES product_collection (id),
    type_id        TEXT REFERENCES product_type (id),
    profile_id     TEXT REFERENCES shipping_profile (id),
    discountable   INTEGER NOT NULL DEFAULT 1 CHECK (discountable IN (0, 1)),
    external_id    TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER
) STRICT;
-- A handle names one live product; a soft-deleted product gives its handle up.
CREATE UNIQUE INDEX product_handle_live ON product (handle) WHERE deleted_at IS NULL;
-- The keyset orders of ListProducts. The handle order sorts NULL as '' (core::KeyOf), and its
-- query orders by this very expression so that the index serves it.
CREATE INDEX product_created_at ON product (created_at, id);
CREATE INDEX product_updated_at ON product (updated_at, id);
CREATE INDEX product_title ON product (title, id);
CREATE INDEX product_handle_order ON product (coalesce(handle, ''), id);
CREATE INDEX product_collection_id ON product (collection_id);
CREATE INDEX product_type_id ON product (type_id);

CREATE TABLE product_tags (
    product_id     TEXT    NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    product_tag_id TEXT    NOT NULL REFERENCES product_tag (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    PRIMARY KEY (product_id, product_tag_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX product_tags_tag ON product_tags (product_tag_id);

CREATE TABLE product_images (
    product_id TEXT    NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    image_id   TEXT    NOT NULL REFERENCES image (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (product_id, image_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE product_sales_channel (
    product_id       TEXT    NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    sales_channel_id TEXT    NOT NULL REFERENCES sales_channel (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    PRIMARY KEY (product_id, sales_channel_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX product_sales_channel_channel ON product_sales_channel (sales_channel_id);

CREATE TABLE product_category_product (
    product_id          TEXT    NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    product_category_id TEXT    NOT NULL REFERENCES product_category (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    PRIMARY KEY (product_id, product_category_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX product_category_product_category ON product_category_product (product_category_id);

CREATE TABLE product_option (
    id         TEXT    NOT NULL PRIMARY KEY,
    product_id TEXT    NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    position   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX product_option_product ON product_option (product_id, position);

CREATE TABLE product_variant (
    id                 TEXT    NOT NULL,
    product_id         TEXT    NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    title              TEXT    NOT NULL,
    sku                TEXT,
    barcode            TEXT,
    ean                TEXT,
    upc                TEXT,
    inventory_quantity INTEGER NOT NULL DEFAULT 0,
    allow_backorder    INTEGER NOT NULL DEFAULT 0 CHECK (allow_backorder IN (0, 1)),
    manage_inventory   INTEGER NOT NULL DEFAULT 1 CHECK (manage_inventory IN (0, 1)),
    weight             INTEGER,
    length             INTEGER,
    height             INTEGER,
    width              INTEGER,
    hs_code            TEXT,
    origin_country     TEXT,
    mid_code           TEXT,
    material           TEXT,
    variant_rank       INTEGER NOT NULL DEFAULT 0,
    position           INTEGER NOT NULL,  -- index in the product's vector: the tie-break of variant_rank
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    deleted_at         INTEGER,
    PRIMARY KEY (product_id, variant_rank, position, id)
) STRICT, WITHOUT ROWID;
-- Upserts, and the foreign keys of prices and option values, find a variant by id.
CREATE UNIQUE INDEX product_variant_id ON product_variant (id);
-- A SKU names one live variant (NULL SKUs never collide).
CREATE UNIQUE INDEX product_variant_sku_live ON product_variant (sku) WHERE deleted_at IS NULL;

CREATE TABLE product_variant_option_value (
    id         TEXT    NOT NULL,
    variant_id TEXT    NOT NULL REFERENCES product_variant (id) ON DELETE CASCADE,
    option_id  TEXT    NOT NULL REFERENCES product_option (id) ON DELETE CASCADE,
    value      TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (variant_id, position, id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX product_variant_option_value_id ON product_variant_option_value (id);
CREATE INDEX product_variant_option_value_option ON product_variant_option_value (option_id);

CREATE TABLE price_list (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    type        TEXT    NOT NULL DEFAULT 'sale',
    status      TEXT    NOT NULL DEFAULT 'draft',
    starts_at   INTEGER,
    ends_at     INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX price_list_created_at ON price_list (created_at, id);

-- A variant's own price (price_list_id NULL) or a price of a price list. `position` is the index
-- in the vector it was written from: the creation order reads come back in.
CREATE TABLE money_amount (
    id            TEXT    NOT NULL,
    currency_code TEXT    NOT NULL,  -- lower case
    amount        INTEGER NOT NULL,  -- minor units
    min_quantity  INTEGER,
    max_quantity  INTEGER,
    variant_id    TEXT    NOT NULL REFERENCES product_variant (id) ON DELETE CASCADE,
    region_id     TEXT REFERENCES region (id),
    price_list_id TEXT REFERENCES price_list (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    PRIMARY KEY (variant_id, position, id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX money_amount_id ON money_amount (id);
-- Most prices are a variant's own: they need neither of these (GetPriceList reads by list; the
-- region index serves the foreign key).
CREATE INDEX money_amount_price_list ON money_amount (price_list_id, position) WHERE price_list_id IS NOT NULL;
CREATE INDEX money_amount_region ON money_amount (region_id) WHERE region_id IS NOT NULL;

CREATE TABLE customer (
    id         TEXT NOT NULL PRIMARY KEY,
    email      TEXT NOT NULL,
    first_name TEXT,
    last_name  TEXT
) STRICT;
CREATE INDEX customer_email ON customer (email);

CREATE TABLE address (
    id           TEXT NOT NULL PRIMARY KEY,
    first_name   TEXT,
    last_name    TEXT,
    company      TEXT,
    address_1    TEXT,
    address_2    TEXT,
    city         TEXT,
    province     TEXT,
    postal_code  TEXT,
    country_code TEXT,
    phone        TEXT
) STRICT;

-- Totals are stored, as the order export reads them. region_id and sales_channel_id carry no
-- foreign key: orders come from fixtures and seeds that may name regions the catalog lacks, and
-- every read LEFT JOINs.
CREATE TABLE "order" (
    id                  TEXT    NOT NULL PRIMARY KEY,
    display_id          INTEGER NOT NULL DEFAULT 0,
    status              TEXT    NOT NULL DEFAULT 'pending',
    fulfillment_status  TEXT    NOT NULL DEFAULT 'not_fulfilled',
    payment_status      TEXT    NOT NULL DEFAULT 'not_paid',
    email               TEXT    NOT NULL,
    currency_code       TEXT    NOT NULL,
    region_id           TEXT    NOT NULL,
    sales_channel_id    TEXT,
    customer_id         TEXT REFERENCES customer (id),
    shipping_address_id TEXT REFERENCES address (id),
    subtotal            INTEGER NOT NULL DEFAULT 0,
    shipping_total      INTEGER NOT NULL DEFAULT 0,
    discount_total      INTEGER NOT NULL DEFAULT 0,
    gift_card_total     INTEGER NOT NULL DEFAULT 0,
    refunded_total      INTEGER NOT NULL DEFAULT 0,
    tax_total           INTEGER NOT NULL DEFAULT 0,
    total               INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX order_created_at ON "order" (created_at, id);
CREATE INDEX order_email ON "order" (email);
CREATE INDEX order_region ON "order" (region_id);
CREATE INDEX order_sales_channel ON "order" (sales_channel_id);
CREATE INDEX order_customer ON "order" (customer_id);

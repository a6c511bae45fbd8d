# Hand derivation of tests/golden/product-export.csv from MEDUSA-SPEC.md §7.1/§7.3 (+ Corrections,
# BATCHD-CONTRACT §B.7), for the fixture catalog of tests/unit/strategies/product_export_test.cpp
# (PutGoldenCatalog). Every cell below is written by hand from the spec, already escaped as §7.1
# says (quote a value with LF, ',' or ';' and double its quotes; '"' or CR alone stay as they are;
# amounts in major units, jpy/krw as they are, 0 → empty). This script only joins the cells with
# ';' and CRLF and checks the row widths: `python3 derive_product_export.py` rewrites the file.
import os

fixed = ['Product Id','Product Handle','Product Title','Product Subtitle','Product Description',
 'Product Status','Product Thumbnail','Product Weight','Product Length','Product Width','Product Height',
 'Product HS Code','Product Origin Country','Product MID Code','Product Material',
 'Product Collection Title','Product Collection Handle','Product Type','Product Tags',
 'Product Discountable','Product External Id','Product Profile Name','Product Profile Type',
 'Variant Id','Variant Title','Variant SKU','Variant Barcode','Variant Inventory Quantity',
 'Variant Allow Backorder','Variant Manage Inventory','Variant Weight','Variant Length','Variant Width',
 'Variant Height','Variant HS Code','Variant Origin Country','Variant MID Code','Variant Material']
# Price descriptors in first-appearance order (export order prod_1, prod_2, prod_3, prod_4):
#  v1a: usd | eur | eur+France      v1b: usd (seen) | dkk+denmark
#  v2a: jpy | dkk+Denmark | krw+Korea   v2b: jpy, usd (seen)   v4a: eur, usd (seen)
dynamic = ['Price USD','Price EUR','Price France [EUR]','Price DKK','Price denmark [DKK]',
 'Price JPY','Price Denmark [DKK]','Price KRW','Price Korea [KRW]',
 'Option 1 Name','Option 1 Value','Option 2 Name','Option 2 Value','Option 3 Name','Option 3 Value',
 'Image 1 Url','Image 2 Url',
 'Sales Channel 1 Id','Sales Channel 1 Name','Sales Channel 1 Description',
 'Sales Channel 2 Id','Sales Channel 2 Name','Sales Channel 2 Description',
 'Product Category 1 Handle','Product Category 1 Name','Product Category 1 Description',
 'Product Category 2 Handle','Product Category 2 Name','Product Category 2 Description']
header = fixed + dynamic

p1 = ['prod_1','shirt','"Shirt, classic"','"Soft; ""comfy"""','"Line one\nLine two"','published',
      'http://img/shirt.png','400','70','50','2','6109','pt','MID1','Cotton "organic"',
      'Summer "24"','summer-24','Shirts','"summer,cotton"','true','','Default Shipping Profile','default']
p1_tail_images = ['http://img/shirt-front.png','http://img/shirt-back.png']
p1_tail_channels = ['sc_1','Default Sales Channel','"Shop, default"','sc_2','Webshop','']
p1_tail_categories = ['shirts','Shirts','All shirts','sale','"Sale; now"','']
v1a = ['variant_1a','S / Black','SHIRT-S','123','10','false','true','200','','','','','','','']
v1a_prices = ['10','12.5','11','','','','','','']
v1a_options = ['Size','S','Color','Black','','']
v1b = ['variant_1b','M / White\rX','SHIRT-M','','0','true','false','','','','','','','','']
v1b_prices = ['','','','75','75','','','','']
v1b_options = ['Size','M','Color','White','','']

p2 = ['prod_2','gift-card','Gift card','','','draft','','','','','','','','','','','','','','false',
      'ext-2','Gift Card Profile','gift_card']
p2_images = ['http://img/gift.png','']
p2_channels = ['sc_1','Default Sales Channel','"Shop, default"','','','']
p2_categories = ['','','','','','']
v2a = ['variant_2a','Small','GC-S','','5','false','true','','','','','','','','']
v2a_prices = ['','','','50','','1000','50','15000','15000']
v2a_options = ['Value','10','','','','']
v2b = ['variant_2b','"Large;XL"','','','5','false','true','','','','','','','','']
v2b_prices = ['0.05','','','','','12345','','','']
v2b_options = ['Value','100','','','','']

p4 = ['prod_4','','Mug "big"','','CR\rinside','proposed','','','','','','','','','','','','Mugs','',
      'true','','Default Shipping Profile','default']
v4a = ['variant_4a','Default','MUG-1','','10','false','true','','','','','','','','']
v4a_prices = ['10','9.9','','','','','','','']
v4a_options = ['Material','Ceramic','Size','L','Color','"Red, dark"']
p4_images = ['','']
p4_channels = ['','','','','','']
p4_categories = ['sale','"Sale; now"','','','','']

rows = [
  p1 + v1a + v1a_prices + v1a_options + p1_tail_images + p1_tail_channels + p1_tail_categories,
  p1 + v1b + v1b_prices + v1b_options + p1_tail_images + p1_tail_channels + p1_tail_categories,
  p2 + v2a + v2a_prices + v2a_options + p2_images + p2_channels + p2_categories,
  p2 + v2b + v2b_prices + v2b_options + p2_images + p2_channels + p2_categories,
  # prod_3 has no variants: no line
  p4 + v4a + v4a_prices + v4a_options + p4_images + p4_channels + p4_categories,
]
assert len(fixed) == 38
for r in rows:
    assert len(r) == len(header), (len(r), len(header))
out = ';'.join(header) + '\r\n' + ''.join(';'.join(r) + '\r\n' for r in rows)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'product-export.csv'), 'wb').write(out.encode('utf-8'))
print(len(header), len(out.encode()))

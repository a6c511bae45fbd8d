// The export dialect of MEDUSA-SPEC.md §7.1: ';' delimiter, CRLF after every row, quotes only for
// LF, ',' or ';' (with inner quotes doubled), everything else byte for byte. Expected bytes are
// written out by hand from the spec.
#include "csv/csv_writer.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace batchd::csv {
namespace {

// One row of text cells through a product-export writer, flushed; returns the bytes.
std::string RowOf(std::initializer_list<std::string_view> cells,
                  Escaping escaping = Escaping::kProductExport) {
    StringSink sink;
    CsvWriter writer{sink, escaping};
    for (std::string_view cell : cells) {
        writer.Text(cell);
    }
    writer.EndRow();
    EXPECT_TRUE(writer.Flush());
    return sink.Text();
}

// Records what it was given and refuses from the `fail_from`-th call (1-based) on.
class RecordingSink final : public Sink {
public:
    explicit RecordingSink(std::size_t fail_from) : fail_from_(fail_from) {}

    [[nodiscard]] bool Write(std::string_view bytes) override {
        ++calls_;
        if (calls_ >= fail_from_) {
            return false;
        }
        text_.append(bytes);
        return true;
    }

    [[nodiscard]] std::size_t Calls() const { return calls_; }
    [[nodiscard]] const std::string& Text() const { return text_; }

private:
    std::size_t fail_from_;
    std::size_t calls_ = 0;
    std::string text_;
};

TEST(CsvWriterTest, CellsAreJoinedBySemicolonsAndRowsEndWithCrlf) {
    StringSink sink;
    CsvWriter writer{sink};
    writer.Text("a");
    writer.Text("b");
    writer.EndRow();
    writer.Text("c");
    writer.EndRow();
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.Text(), "a;b\r\nc\r\n");
}

TEST(CsvWriterTest, SemicolonCommaAndLineFeedForceQuotes) {
    EXPECT_EQ(RowOf({"x;y"}), "\"x;y\"\r\n");
    EXPECT_EQ(RowOf({"123,456"}), "\"123,456\"\r\n");  // the tags cell of scenario 23
    EXPECT_EQ(RowOf({";"}), "\";\"\r\n");
    EXPECT_EQ(RowOf({","}), "\",\"\r\n");
    EXPECT_EQ(RowOf({"\n"}), "\"\n\"\r\n");
    // Scenario 24: the LF stays inside the quoted cell.
    EXPECT_EQ(RowOf({"id", "test-product-description\ntest line 2", "x"}),
              "id;\"test-product-description\ntest line 2\";x\r\n");
}

TEST(CsvWriterTest, QuotesInsideAQuotedCellAreDoubled) {
    EXPECT_EQ(RowOf({"a \"b\", c"}), "\"a \"\"b\"\", c\"\r\n");
    EXPECT_EQ(RowOf({"\";"}), "\"\"\";\"\r\n");
    EXPECT_EQ(RowOf({";\"\""}), "\";\"\"\"\"\"\r\n");
    EXPECT_EQ(RowOf({"\"\n\""}), "\"\"\"\n\"\"\"\r\n");
}

TEST(CsvWriterTest, QuoteOrCarriageReturnAloneIsWrittenAsIs) {
    EXPECT_EQ(RowOf({"say \"hi\""}), "say \"hi\"\r\n");
    EXPECT_EQ(RowOf({"\""}), "\"\r\n");
    EXPECT_EQ(RowOf({"a\rb"}), "a\rb\r\n");
    // CR LF contains a line feed, so it is quoted.
    EXPECT_EQ(RowOf({"a\r\nb"}), "\"a\r\nb\"\r\n");
}

TEST(CsvWriterTest, OtherCharactersAreNotQuoted) {
    // The spec quotes for three characters only: spaces, tabs and the like stay bare.
    EXPECT_EQ(RowOf({" padded ", "\ttab", "a'b", "|"}), " padded ;\ttab;a'b;|\r\n");
}

TEST(CsvWriterTest, EmptyStringAndMissingValueAreBothAnEmptyCell) {
    StringSink sink;
    CsvWriter writer{sink};
    writer.Text("a");
    writer.Text("");
    writer.Empty();
    writer.Text("b");
    writer.EndRow();
    writer.Empty();
    writer.Text("first cell empty");
    writer.EndRow();
    writer.Text("last cell empty");
    writer.Empty();
    writer.EndRow();
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.Text(), "a;;;b\r\n;first cell empty\r\nlast cell empty;\r\n");
}

TEST(CsvWriterTest, OrderExportEscapingWritesEverythingAsIs) {
    EXPECT_EQ(RowOf({"a;b", "c,d", "e\nf", "\"g\""}, Escaping::kNone), "a;b;c,d;e\nf;\"g\"\r\n");
}

TEST(CsvWriterTest, RawCellsAreNeverQuoted) {
    // Header names are joined without quoting, even a region name with a comma.
    StringSink sink;
    CsvWriter writer{sink};
    writer.Raw("Product Id");
    writer.Raw("Price Foo, Bar [EUR]");
    writer.EndRow();
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.Text(), "Product Id;Price Foo, Bar [EUR]\r\n");
}

TEST(CsvWriterTest, IntegersBooleansAndAmounts) {
    StringSink sink;
    CsvWriter writer{sink};
    writer.Integer(10);
    writer.Integer(0);
    writer.Integer(-42);
    writer.Integer(std::numeric_limits<std::int64_t>::min());
    writer.Boolean(true);
    writer.Boolean(false);
    writer.Amount(100, "usd");
    writer.Amount(45, "eur");
    writer.Amount(30, "dkk");
    writer.Amount(0, "usd");
    writer.Amount(3333, "jpy");
    writer.Amount(-110, "usd");
    writer.EndRow();
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.Text(), "10;0;-42;-9223372036854775808;true;false;1;0.45;0.3;;3333;-1.1\r\n");
}

TEST(CsvWriterTest, Utf8PassesThroughByteForByte) {
    // "Größe – 大" and an emoji, bare; with a ';' the same bytes inside quotes; invalid UTF-8 untouched.
    EXPECT_EQ(RowOf({"Gr\xC3\xB6\xC3\x9F"
                     "e \xE2\x80\x93 \xE5\xA4\xA7",
                     "\xF0\x9F\x91\x95"}),
              "Gr\xC3\xB6\xC3\x9F"
              "e \xE2\x80\x93 \xE5\xA4\xA7;\xF0\x9F\x91\x95\r\n");
    EXPECT_EQ(RowOf({"\xE5\xA4\xA7;\xE5\xB0\x8F"}), "\"\xE5\xA4\xA7;\xE5\xB0\x8F\"\r\n");
    EXPECT_EQ(RowOf({"\xFF\xFE\x80"}), "\xFF\xFE\x80\r\n");
    // No byte order mark is added.
    EXPECT_EQ(RowOf({"a"}), "a\r\n");
}

TEST(CsvWriterTest, ValuesWithNulBytesAreKept) {
    const std::string value{"a\0b", 3};
    EXPECT_EQ(RowOf({value}), std::string("a\0b\r\n", 5));
}

TEST(CsvWriterTest, ByteCountIsTheFileSizeAndIncludesBufferedBytes) {
    StringSink sink;
    CsvWriter writer{sink};
    EXPECT_EQ(writer.BytesWritten(), 0U);
    writer.Raw("A");
    writer.Raw("B");
    writer.EndRow();  // "A;B\r\n": 5 bytes
    EXPECT_EQ(writer.BytesWritten(), 5U);
    EXPECT_EQ(sink.Text(), "");  // still buffered
    writer.Text("x;\"y");        // "x;""y" with its quotes: 7 bytes
    writer.Amount(0, "usd");     // ";": 1 byte
    writer.EndRow();             // 2 bytes
    EXPECT_EQ(writer.BytesWritten(), 15U);
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.Text(), "A;B\r\n\"x;\"\"y\";\r\n");
    EXPECT_EQ(sink.Text().size(), 15U);
    EXPECT_EQ(writer.BytesWritten(), 15U);
}

TEST(CsvWriterTest, TheEmptyExportHeaderIs664Bytes) {
    // MEDUSA-SPEC.md "Corrections": with N = 0 the file is the 38-column header plus CRLF, 664 bytes.
    constexpr std::string_view kHeaders[] = {
        "Product Id",
        "Product Handle",
        "Product Title",
        "Product Subtitle",
        "Product Description",
        "Product Status",
        "Product Thumbnail",
        "Product Weight",
        "Product Length",
        "Product Width",
        "Product Height",
        "Product HS Code",
        "Product Origin Country",
        "Product MID Code",
        "Product Material",
        "Product Collection Title",
        "Product Collection Handle",
        "Product Type",
        "Product Tags",
        "Product Discountable",
        "Product External Id",
        "Product Profile Name",
        "Product Profile Type",
        "Variant Id",
        "Variant Title",
        "Variant SKU",
        "Variant Barcode",
        "Variant Inventory Quantity",
        "Variant Allow Backorder",
        "Variant Manage Inventory",
        "Variant Weight",
        "Variant Length",
        "Variant Width",
        "Variant Height",
        "Variant HS Code",
        "Variant Origin Country",
        "Variant MID Code",
        "Variant Material",
    };
    StringSink sink;
    CsvWriter writer{sink};
    for (std::string_view header : kHeaders) {
        writer.Raw(header);
    }
    writer.EndRow();
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(writer.BytesWritten(), 664U);
    EXPECT_EQ(sink.Text().size(), 664U);
    EXPECT_EQ(sink.Text().substr(0, 26), "Product Id;Product Handle;");
    EXPECT_EQ(sink.Text().substr(sink.Text().size() - 18), "Variant Material\r\n");
}

TEST(CsvWriterTest, SinkGetsNothingUntilTheBufferIsFullOrFlushed) {
    StringSink sink;
    CsvWriter writer{sink};
    // Exactly one buffer's worth: it fits, so it is not handed over yet.
    writer.Text(std::string(CsvWriter::kBufferSize, 'a'));
    EXPECT_EQ(sink.WriteCount(), 0U);
    // The next byte does not fit: the full buffer goes first, as one chunk.
    writer.EndRow();
    EXPECT_EQ(sink.WriteCount(), 1U);
    EXPECT_EQ(sink.Text(), std::string(CsvWriter::kBufferSize, 'a'));
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.WriteCount(), 2U);
    EXPECT_EQ(sink.Text().size(), CsvWriter::kBufferSize + 2);
    EXPECT_EQ(sink.Text().substr(CsvWriter::kBufferSize), "\r\n");
    // Flushing an empty buffer calls nobody.
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.WriteCount(), 2U);
}

TEST(CsvWriterTest, ARowLargerThanTheBufferStreamsInBufferSizedChunks) {
    constexpr std::size_t kSize = 200'000;  // 3 full buffers (196608 bytes) and 3392 more
    StringSink sink;
    CsvWriter writer{sink};
    writer.Text("head");
    writer.Text(std::string(kSize, 'x'));
    writer.EndRow();
    EXPECT_EQ(sink.WriteCount(), 3U);
    EXPECT_EQ(sink.Text().size(), 3 * CsvWriter::kBufferSize);
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.WriteCount(), 4U);
    EXPECT_EQ(sink.Text(), "head;" + std::string(kSize, 'x') + "\r\n");
    EXPECT_EQ(writer.BytesWritten(), 5 + kSize + 2);
}

TEST(CsvWriterTest, ALargeQuotedCellIsEscapedAcrossChunkBoundaries) {
    // 30000 × `a";` is 90000 bytes with a quote and a semicolon every third byte, so buffer
    // boundaries fall inside doubled quotes too.
    std::string value;
    std::string expected = "\"";
    for (int i = 0; i < 30'000; ++i) {
        value += "a\";";
        expected += "a\"\";";
    }
    expected += "\"\r\n";
    StringSink sink;
    CsvWriter writer{sink};
    writer.Text(value);
    writer.EndRow();
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(sink.Text().size(), 2 + 120'000 + 2U);
    EXPECT_EQ(sink.Text(), expected);
    EXPECT_EQ(writer.BytesWritten(), expected.size());
}

TEST(CsvWriterTest, ASinkFailureIsStickyAndStopsTheWrites) {
    RecordingSink sink{2};  // takes the first chunk, refuses the second
    CsvWriter writer{sink};
    writer.Text(std::string(CsvWriter::kBufferSize, 'a'));
    writer.EndRow();  // hands over the first buffer
    EXPECT_FALSE(writer.HasFailed());
    EXPECT_FALSE(writer.Flush());  // "\r\n" refused
    EXPECT_TRUE(writer.HasFailed());
    EXPECT_EQ(sink.Calls(), 2U);
    writer.Text("more");
    writer.EndRow();
    EXPECT_FALSE(writer.Flush());
    EXPECT_EQ(sink.Calls(), 2U);  // never called again
    EXPECT_EQ(sink.Text(), std::string(CsvWriter::kBufferSize, 'a'));
}

TEST(CsvWriterTest, TheDestructorDoesNotFlush) {
    StringSink sink;
    {
        CsvWriter writer{sink};
        writer.Text("abandoned");
        writer.EndRow();
    }
    EXPECT_EQ(sink.Text(), "");
    EXPECT_EQ(sink.WriteCount(), 0U);
}

TEST(CsvWriterTest, NeedsQuotesNamesExactlyTheThreeCharacters) {
    EXPECT_TRUE(NeedsQuotes("a;b"));
    EXPECT_TRUE(NeedsQuotes("a,b"));
    EXPECT_TRUE(NeedsQuotes("a\nb"));
    EXPECT_FALSE(NeedsQuotes("a\"b"));
    EXPECT_FALSE(NeedsQuotes("a\rb"));
    EXPECT_FALSE(NeedsQuotes(" a "));
    EXPECT_FALSE(NeedsQuotes(""));
}

}  // namespace
}  // namespace batchd::csv

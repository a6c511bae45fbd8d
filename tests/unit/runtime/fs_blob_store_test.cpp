#include "files/fs_blob_store.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace batchd::files {
namespace {

namespace fs = std::filesystem;

class FsBlobStoreTest : public ::testing::Test {
protected:
    FsBlobStoreTest()
        : root_(fs::temp_directory_path() / ("batchd_files_test_" + std::to_string(std::random_device{}()))),
          store_(MakeFsBlobStore(root_ / "files")) {}

    ~FsBlobStoreTest() override {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }

    std::string ReadAll(std::string_view key) {
        auto reader = store_->Open(key);
        EXPECT_TRUE(reader) << key;
        std::string all;
        while (reader) {
            auto chunk = (*reader)->Read(3);
            EXPECT_TRUE(chunk);
            if (!chunk || chunk->empty()) {
                break;
            }
            all += *chunk;
        }
        return all;
    }

    // Every file under the root, temporaries included.
    std::vector<std::string> FilesOnDisk() {
        std::vector<std::string> names;
        for (const auto& entry : fs::recursive_directory_iterator(root_ / "files")) {
            if (entry.is_regular_file()) {
                names.push_back(fs::relative(entry.path(), root_ / "files").string());
            }
        }
        std::sort(names.begin(), names.end());
        return names;
    }

    fs::path root_;
    std::unique_ptr<core::BlobStore> store_;
};

TEST_F(FsBlobStoreTest, CommittedFileIsReadBackWithItsSize) {
    auto writer = store_->Create("exports/products/a.csv").value();
    ASSERT_TRUE(writer->Write("id;title\r\n"));
    ASSERT_TRUE(writer->Write("1;Shirt\r\n"));
    EXPECT_EQ(writer->Commit().value(), 19);
    EXPECT_EQ(store_->Size("exports/products/a.csv").value(), 19);
    EXPECT_EQ(ReadAll("exports/products/a.csv"), "id;title\r\n1;Shirt\r\n");
    EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"exports/products/a.csv"});
}

TEST_F(FsBlobStoreTest, NothingIsVisibleBeforeCommit) {
    auto writer = store_->Create("a.csv").value();
    ASSERT_TRUE(writer->Write("partial"));
    EXPECT_EQ(store_->Size("a.csv").error().code, core::Errc::kNotFound);
    EXPECT_EQ(store_->Open("a.csv").error().code, core::Errc::kNotFound);
    ASSERT_TRUE(writer->Commit());
    EXPECT_EQ(store_->Size("a.csv").value(), 7);
}

TEST_F(FsBlobStoreTest, AnUncommittedWriterLeavesNoFileBehind) {
    {
        auto writer = store_->Create("a.csv").value();
        ASSERT_TRUE(writer->Write("abandoned"));
    }
    EXPECT_TRUE(FilesOnDisk().empty());
}

TEST_F(FsBlobStoreTest, CommitReplacesTheFileUnderTheKey) {
    for (std::string_view content : {"first version", "second"}) {
        auto writer = store_->Create("a.csv").value();
        ASSERT_TRUE(writer->Write(content));
        ASSERT_TRUE(writer->Commit());
    }
    EXPECT_EQ(ReadAll("a.csv"), "second");
}

TEST_F(FsBlobStoreTest, AWriterIsDoneAfterCommit) {
    auto writer = store_->Create("a.csv").value();
    ASSERT_TRUE(writer->Commit());
    EXPECT_FALSE(writer->Write("more"));
    EXPECT_FALSE(writer->Commit());
    EXPECT_EQ(store_->Size("a.csv").value(), 0);
}

TEST_F(FsBlobStoreTest, RemoveDeletesAndSucceedsForAMissingKey) {
    auto writer = store_->Create("dir/a.csv").value();
    ASSERT_TRUE(writer->Commit());
    ASSERT_TRUE(store_->Remove("dir/a.csv"));
    EXPECT_EQ(store_->Size("dir/a.csv").error().code, core::Errc::kNotFound);
    EXPECT_TRUE(store_->Remove("dir/a.csv"));
    EXPECT_TRUE(store_->Remove("never/was.csv"));
}

TEST_F(FsBlobStoreTest, AFolderIsNotAFile) {
    auto writer = store_->Create("dir/a.csv").value();
    ASSERT_TRUE(writer->Commit());
    EXPECT_EQ(store_->Open("dir").error().code, core::Errc::kNotFound);
    EXPECT_EQ(store_->Size("dir").error().code, core::Errc::kNotFound);
    EXPECT_TRUE(store_->Remove("dir"));
    EXPECT_EQ(store_->Size("dir/a.csv").value(), 0) << "removing a folder key removed its files";
}

TEST_F(FsBlobStoreTest, KeysThatCouldLeaveTheRootAreInvalid) {
    std::ofstream{root_ / "secret.txt"} << "outside the root";
    const std::string with_nul{"a\0b.csv", 7};
    for (std::string_view key :
         {std::string_view{""}, std::string_view{"../secret.txt"}, std::string_view{"a/../../secret.txt"},
          std::string_view{"/etc/passwd"}, std::string_view{"a\\..\\secret.txt"}, std::string_view{with_nul},
          std::string_view{"a//b.csv"}, std::string_view{"./a.csv"}, std::string_view{"a/"},
          std::string_view{".."}}) {
        EXPECT_EQ(store_->Create(key).error().code, core::Errc::kInvalidData) << key;
        EXPECT_EQ(store_->Open(key).error().code, core::Errc::kInvalidData) << key;
        EXPECT_EQ(store_->Size(key).error().code, core::Errc::kInvalidData) << key;
        EXPECT_EQ(store_->Remove(key).error().code, core::Errc::kInvalidData) << key;
    }
    EXPECT_EQ(store_->Size(std::string(1025, 'a')).error().code, core::Errc::kInvalidData);
    EXPECT_TRUE(fs::exists(root_ / "secret.txt"));
}

TEST_F(FsBlobStoreTest, OrdinaryNamesAreAccepted) {
    for (std::string_view key :
         {"1690000000-products.csv", "uploads/My File (1).csv", "a/.hidden", "a..b/c"}) {
        auto writer = store_->Create(key);
        ASSERT_TRUE(writer) << key;
        ASSERT_TRUE((*writer)->Commit()) << key;
        EXPECT_EQ(store_->Size(key).value(), 0) << key;
    }
}

}  // namespace
}  // namespace batchd::files

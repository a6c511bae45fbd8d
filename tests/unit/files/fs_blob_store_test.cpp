#include "files/fs_blob_store.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace batchd::files {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(core::BlobStore& store, std::string_view key) {
    auto reader = store.Open(key);
    EXPECT_TRUE(reader) << key;
    if (!reader) {
        return {};
    }
    std::string all;
    for (;;) {
        auto chunk = (*reader)->Read(7);
        EXPECT_TRUE(chunk);
        if (!chunk || chunk->empty()) {
            return all;
        }
        all += *chunk;
    }
}

std::string ReadFile(const fs::path& path) {
    std::ifstream in{path, std::ios::binary};
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void WriteFile(const fs::path& path, std::string_view bytes) {
    std::ofstream out{path, std::ios::binary};
    out << bytes;
}

class FsBlobStoreTest : public ::testing::Test {
protected:
    FsBlobStoreTest() {
        std::random_device random;
        base_ = fs::temp_directory_path() / ("batchd-files-test-" + std::to_string(random()));
        root_ = base_ / "root";
        store_ = MakeFsBlobStore(root_);
    }
    ~FsBlobStoreTest() override {
        std::error_code ignored;
        fs::remove_all(base_, ignored);
    }

    void Put(std::string_view key, std::string_view bytes) {
        auto writer = store_->Create(key);
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->Write(bytes));
        ASSERT_TRUE((*writer)->Commit());
    }

    fs::path base_;
    fs::path root_;
    std::unique_ptr<core::BlobStore> store_;
};

TEST_F(FsBlobStoreTest, WritesAreInvisibleUntilCommit) {
    auto writer = store_->Create("exports/a.csv");
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->Write("hello "));
    ASSERT_TRUE((*writer)->Write("world"));
    EXPECT_EQ(store_->Size("exports/a.csv").error().code, core::Errc::kNotFound);
    EXPECT_TRUE(fs::exists(root_ / "exports" / ".a.csv.partial"));
    auto size = (*writer)->Commit();
    ASSERT_TRUE(size);
    EXPECT_EQ(*size, 11);
    EXPECT_EQ(ReadAll(*store_, "exports/a.csv"), "hello world");
    EXPECT_EQ(store_->Size("exports/a.csv").value(), 11);
    EXPECT_FALSE(fs::exists(root_ / "exports" / ".a.csv.partial"));
    EXPECT_EQ((*writer)->Write("more").error().code, core::Errc::kUnexpectedState);
}

TEST_F(FsBlobStoreTest, DestroyingAnUncommittedWriterDiscardsTheFile) {
    {
        auto writer = store_->Create("a.csv");
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->Write("partial"));
    }
    EXPECT_FALSE(fs::exists(root_ / ".a.csv.partial"));
    EXPECT_EQ(store_->Resume("a.csv", 0).error().code, core::Errc::kNotFound);
    EXPECT_EQ(store_->Open("a.csv").error().code, core::Errc::kNotFound);
}

TEST_F(FsBlobStoreTest, CommitReplacesTheOldFile) {
    Put("a.csv", "old contents");
    Put("a.csv", "new");
    EXPECT_EQ(ReadAll(*store_, "a.csv"), "new");
}

TEST_F(FsBlobStoreTest, SuspendedFileResumesFromTheSyncedSize) {
    {
        auto writer = store_->Create("exports/job.csv");
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->Write("header\r\nrow1\r\n"));
        ASSERT_TRUE((*writer)->Sync());
        EXPECT_EQ(ReadFile(root_ / "exports" / ".job.csv.partial"), "header\r\nrow1\r\n");
        ASSERT_TRUE((*writer)->Write("row2 that the checkpoint never saw"));
        (*writer)->Suspend();
    }
    auto resumed = store_->Resume("exports/job.csv", 14);
    ASSERT_TRUE(resumed) << resumed.error().detail;
    ASSERT_TRUE((*resumed)->Write("row2\r\n"));
    auto size = (*resumed)->Commit();
    ASSERT_TRUE(size);
    EXPECT_EQ(*size, 20);
    EXPECT_EQ(ReadAll(*store_, "exports/job.csv"), "header\r\nrow1\r\nrow2\r\n");
}

TEST_F(FsBlobStoreTest, ResumeOfAShorterOrMissingFileIsNotFound) {
    EXPECT_EQ(store_->Resume("nothing.csv", 0).error().code, core::Errc::kNotFound);
    EXPECT_EQ(store_->Resume("no/folder.csv", 0).error().code, core::Errc::kNotFound);
    {
        auto writer = store_->Create("short.csv");
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->Write("abc"));
        (*writer)->Suspend();
    }
    EXPECT_EQ(store_->Resume("short.csv", 4).error().code, core::Errc::kNotFound);
    EXPECT_EQ(store_->Resume("short.csv", -1).error().code, core::Errc::kInvalidData);
    // The refused Resume left the file alone: resuming at its exact size works.
    auto resumed = store_->Resume("short.csv", 3);
    ASSERT_TRUE(resumed);
    ASSERT_TRUE((*resumed)->Write("d"));
    ASSERT_TRUE((*resumed)->Commit());
    EXPECT_EQ(ReadAll(*store_, "short.csv"), "abcd");
}

TEST_F(FsBlobStoreTest, ResumeOfADeadWritersFile) {
    // A process that died leaves its unfinished file behind, as if suspended.
    fs::create_directories(root_ / "exports");
    WriteFile(root_ / "exports" / ".dead.csv.partial", "0123456789");
    auto resumed = store_->Resume("exports/dead.csv", 4);
    ASSERT_TRUE(resumed);
    ASSERT_TRUE((*resumed)->Commit());
    EXPECT_EQ(ReadAll(*store_, "exports/dead.csv"), "0123");
}

TEST_F(FsBlobStoreTest, CreateDropsAnOlderUnfinishedFile) {
    {
        auto writer = store_->Create("a.csv");
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->Write("stale bytes"));
        (*writer)->Suspend();
    }
    auto writer = store_->Create("a.csv");
    ASSERT_TRUE(writer);
    EXPECT_EQ(ReadFile(root_ / ".a.csv.partial"), "");
    ASSERT_TRUE((*writer)->Write("fresh"));
    ASSERT_TRUE((*writer)->Commit());
    EXPECT_EQ(ReadAll(*store_, "a.csv"), "fresh");
}

TEST_F(FsBlobStoreTest, AWriterWhoseFileWasReplacedCannotCommit) {
    auto first = store_->Create("a.csv");
    ASSERT_TRUE(first);
    ASSERT_TRUE((*first)->Write("first"));
    auto second = store_->Create("a.csv");
    ASSERT_TRUE(second);
    ASSERT_TRUE((*second)->Write("second"));
    EXPECT_EQ((*first)->Commit().error().code, core::Errc::kConflict);
    ASSERT_TRUE((*second)->Commit());
    EXPECT_EQ(ReadAll(*store_, "a.csv"), "second");
}

TEST_F(FsBlobStoreTest, RemoveRemovesFileAndUnfinishedFile) {
    Put("dir/a.csv", "done");
    {
        auto writer = store_->Create("dir/a.csv");
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->Write("again"));
        (*writer)->Suspend();
    }
    ASSERT_TRUE(fs::exists(root_ / "dir" / ".a.csv.partial"));
    ASSERT_TRUE(store_->Remove("dir/a.csv"));
    EXPECT_FALSE(fs::exists(root_ / "dir" / "a.csv"));
    EXPECT_FALSE(fs::exists(root_ / "dir" / ".a.csv.partial"));
    EXPECT_TRUE(store_->Remove("dir/a.csv"));
    EXPECT_TRUE(store_->Remove("missing/folder/a.csv"));
    EXPECT_TRUE(store_->Remove("dir"));  // a folder is no file
    EXPECT_TRUE(fs::is_directory(root_ / "dir"));
}

TEST_F(FsBlobStoreTest, FoldersAreNotFiles) {
    Put("dir/a.csv", "x");
    EXPECT_EQ(store_->Open("dir").error().code, core::Errc::kNotFound);
    EXPECT_EQ(store_->Size("dir").error().code, core::Errc::kNotFound);
    EXPECT_EQ(store_->Open("dir/a.csv/b").error().code, core::Errc::kNotFound);
    EXPECT_EQ(store_->Create("dir/a.csv/b").error().code, core::Errc::kInvalidData);
}

TEST_F(FsBlobStoreTest, RefusesKeysThatCouldLeaveTheRoot) {
    const std::vector<std::string> keys{"",          "/etc/passwd",  "../x",
                                        "a/../../x", "a/./b",        "a//b",
                                        "a/",        "a\\b",         std::string("a\0b", 3),
                                        ".hidden",   "a/.b.partial", std::string(1025, 'a')};
    for (const std::string& key : keys) {
        EXPECT_EQ(store_->Create(key).error().code, core::Errc::kInvalidData) << key;
        EXPECT_EQ(store_->Open(key).error().code, core::Errc::kInvalidData) << key;
        EXPECT_EQ(store_->Size(key).error().code, core::Errc::kInvalidData) << key;
        EXPECT_EQ(store_->Remove(key).error().code, core::Errc::kInvalidData) << key;
        EXPECT_EQ(store_->Resume(key, 0).error().code, core::Errc::kInvalidData) << key;
    }
    EXPECT_FALSE(fs::exists(base_ / "x"));
}

TEST_F(FsBlobStoreTest, RefusesSymbolicLinksBelowTheRoot) {
    const fs::path outside = base_ / "outside";
    fs::create_directories(outside);
    WriteFile(outside / "secret.txt", "secret");
    fs::create_directory_symlink(outside, root_ / "escape");
    fs::create_symlink(outside / "secret.txt", root_ / "link.txt");

    EXPECT_EQ(store_->Open("escape/secret.txt").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(store_->Size("escape/secret.txt").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(store_->Create("escape/new.txt").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(store_->Remove("escape/secret.txt").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(store_->Open("link.txt").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(store_->Size("link.txt").error().code, core::Errc::kInvalidData);
    EXPECT_EQ(store_->Create("link.txt").error().code, core::Errc::kInvalidData);
    EXPECT_FALSE(fs::exists(outside / "new.txt"));
    EXPECT_EQ(ReadFile(outside / "secret.txt"), "secret");
    // Removing the link removes the link, never its target.
    ASSERT_TRUE(store_->Remove("link.txt"));
    EXPECT_FALSE(fs::is_symlink(root_ / "link.txt"));
    EXPECT_EQ(ReadFile(outside / "secret.txt"), "secret");
}

TEST_F(FsBlobStoreTest, TheRootItselfMayBeALink) {
    const fs::path link = base_ / "root-link";
    fs::create_directory_symlink(root_, link);
    auto store = MakeFsBlobStore(link);
    auto writer = store->Create("a/b.csv");
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->Write("ok"));
    ASSERT_TRUE((*writer)->Commit());
    EXPECT_EQ(ReadFile(root_ / "a" / "b.csv"), "ok");
}

TEST_F(FsBlobStoreTest, ACommittedFileReadsBackWithItsSize) {
    auto writer = store_->Create("exports/products/a.csv").value();
    ASSERT_TRUE(writer->Write("id;title\r\n"));
    ASSERT_TRUE(writer->Write("1;Shirt\r\n"));
    EXPECT_EQ(writer->Commit().value(), 19);
    EXPECT_EQ(store_->Size("exports/products/a.csv").value(), 19);
    EXPECT_EQ(ReadAll(*store_, "exports/products/a.csv"), "id;title\r\n1;Shirt\r\n");
}

TEST_F(FsBlobStoreTest, AWriterIsDoneAfterCommit) {
    auto writer = store_->Create("a.csv").value();
    ASSERT_TRUE(writer->Commit());
    EXPECT_FALSE(writer->Write("more"));
    EXPECT_FALSE(writer->Commit());
    EXPECT_EQ(store_->Size("a.csv").value(), 0);
}

TEST_F(FsBlobStoreTest, OrdinaryNamesAreAccepted) {
    for (std::string_view key :
         {"1690000000-products.csv", "uploads/My File (1).csv", "a..b/c", "a/b.c.csv"}) {
        auto writer = store_->Create(key);
        ASSERT_TRUE(writer) << key;
        ASSERT_TRUE((*writer)->Commit()) << key;
        EXPECT_EQ(store_->Size(key).value(), 0) << key;
    }
}

}  // namespace
}  // namespace batchd::files

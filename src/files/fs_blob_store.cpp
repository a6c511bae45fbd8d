#include "files/fs_blob_store.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <unistd.h>

#include "support/c_handle.hpp"

namespace batchd::files {
namespace {

namespace fs = std::filesystem;

using File = std::unique_ptr<std::FILE, CFree<&fclose>>;

constexpr std::size_t kMaxKeyLength = 1024;

core::Error InvalidKey(std::string_view why) {
    return core::Error{core::Errc::kInvalidData, fmt::format("Invalid file key: {}", why)};
}

// An OS error in the vocabulary of the ports: a missing file is kNotFound, a full disk or too many
// open files kUnavailable (it may pass), anything else kInternal.
core::Error IoError(std::string_view what, std::string_view key, int error) {
    core::Errc code = core::Errc::kInternal;
    if (error == ENOENT || error == ENOTDIR) {
        code = core::Errc::kNotFound;
    } else if (error == ENOSPC || error == EDQUOT || error == EMFILE || error == ENFILE) {
        code = core::Errc::kUnavailable;
    }
    return core::Error{code, fmt::format("cannot {} file {}: {}", what, key, std::strerror(error))};
}

core::Error IoError(std::string_view what, std::string_view key, const std::error_code& error) {
    return IoError(what, key, error.value());
}

// A name no other writer uses, in this process or another one on any machine sharing the folder.
std::string TempSuffix() {
    static const std::uint64_t kProcessNonce = []() {
        std::random_device device;
        return (std::uint64_t{device()} << 32U) | device();
    }();
    static std::atomic<std::uint64_t> counter{0};
    return fmt::format(".tmp-{}-{:x}-{}", getpid(), kProcessNonce, counter.fetch_add(1));
}

class FsBlobWriter final : public core::BlobWriter {
public:
    FsBlobWriter(File file, fs::path temp, fs::path target, std::string key)
        : file_(std::move(file)), temp_(std::move(temp)), target_(std::move(target)), key_(std::move(key)) {}

    ~FsBlobWriter() override {
        if (!committed_) {
            file_.reset();
            std::error_code ignored;
            fs::remove(temp_, ignored);  // discarded: nothing appears under the key
        }
    }

    FsBlobWriter(const FsBlobWriter&) = delete;
    FsBlobWriter& operator=(const FsBlobWriter&) = delete;

    // core::BlobWriter
    core::Result<void> Write(std::string_view bytes) override {
        if (!file_) {
            return core::Error{core::Errc::kUnexpectedState, "file " + key_ + " is already committed"};
        }
        if (bytes.empty()) {
            return {};
        }
        if (std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size()) {
            return IoError("write", key_, errno);
        }
        size_ += static_cast<std::int64_t>(bytes.size());
        return {};
    }

    core::Result<std::int64_t> Commit() override {
        if (!file_) {
            return core::Error{core::Errc::kUnexpectedState, "file " + key_ + " is already committed"};
        }
        // fsync before rename: after a crash the key names the whole file or the previous one.
        if (std::fflush(file_.get()) != 0 || fsync(fileno(file_.get())) != 0) {
            return IoError("write", key_, errno);
        }
        if (std::fclose(file_.release()) != 0) {
            return IoError("close", key_, errno);
        }
        std::error_code error;
        fs::rename(temp_, target_, error);
        if (error) {
            return IoError("commit", key_, error);
        }
        committed_ = true;
        return size_;
    }

private:
    File file_;  // null once committed
    fs::path temp_;
    fs::path target_;
    std::string key_;
    std::int64_t size_ = 0;
    bool committed_ = false;
};

class FsBlobReader final : public core::BlobReader {
public:
    FsBlobReader(File file, std::string key) : file_(std::move(file)), key_(std::move(key)) {}

    // core::BlobReader
    core::Result<std::string> Read(std::size_t max) override {
        std::string bytes(max, '\0');
        const std::size_t n = std::fread(bytes.data(), 1, max, file_.get());
        if (n < max && std::ferror(file_.get()) != 0) {
            return IoError("read", key_, errno);
        }
        bytes.resize(n);
        return bytes;
    }

private:
    File file_;
    std::string key_;
};

class FsBlobStore final : public core::BlobStore {
public:
    explicit FsBlobStore(fs::path root) : root_(std::move(root)) {}

    // core::BlobStore
    core::Result<std::unique_ptr<core::BlobWriter>> Create(std::string_view key) override {
        auto checked = PathOf(key);
        if (!checked) {
            return checked.error();
        }
        fs::path target = std::move(checked).value();
        std::error_code error;
        fs::create_directories(target.parent_path(), error);
        if (error) {
            return IoError("create the folder of", key, error);
        }
        // In the same folder as the target, so that the rename stays on one file system (atomic).
        fs::path temp = target.parent_path() / ("." + target.filename().string() + TempSuffix());
        File file{std::fopen(temp.c_str(), "wbx")};
        if (!file) {
            return IoError("create", key, errno);
        }
        return std::unique_ptr<core::BlobWriter>{std::make_unique<FsBlobWriter>(
            std::move(file), std::move(temp), std::move(target), std::string(key))};
    }

    core::Result<std::unique_ptr<core::BlobReader>> Open(std::string_view key) override {
        auto checked = PathOf(key);
        if (!checked) {
            return checked.error();
        }
        const fs::path path = std::move(checked).value();
        // fopen opens a folder too; a folder is not a file under a key.
        std::error_code error;
        if (!fs::is_regular_file(path, error)) {
            return NotFound(key);
        }
        File file{std::fopen(path.c_str(), "rb")};
        if (!file) {
            return IoError("open", key, errno);
        }
        return std::unique_ptr<core::BlobReader>{
            std::make_unique<FsBlobReader>(std::move(file), std::string(key))};
    }

    core::Result<std::int64_t> Size(std::string_view key) override {
        auto checked = PathOf(key);
        if (!checked) {
            return checked.error();
        }
        const fs::path path = std::move(checked).value();
        std::error_code error;
        if (!fs::is_regular_file(path, error)) {
            return NotFound(key);
        }
        const auto size = fs::file_size(path, error);
        if (error) {
            return IoError("measure", key, error);
        }
        return static_cast<std::int64_t>(size);
    }

    core::Result<void> Remove(std::string_view key) override {
        auto checked = PathOf(key);
        if (!checked) {
            return checked.error();
        }
        const fs::path path = std::move(checked).value();
        std::error_code error;
        if (fs::is_directory(path, error)) {
            return {};  // a folder is no file: there is nothing under this key to remove
        }
        fs::remove(path, error);
        if (error && error != std::errc::no_such_file_or_directory) {
            return IoError("remove", key, error);
        }
        return {};
    }

private:
    static core::Error NotFound(std::string_view key) {
        return core::Error{core::Errc::kNotFound, fmt::format("File {} was not found", key)};
    }

    // The file a key names, if the key is one this store accepts (see the header).
    core::Result<fs::path> PathOf(std::string_view key) const {
        if (key.empty()) {
            return InvalidKey("it is empty");
        }
        if (key.size() > kMaxKeyLength) {
            return InvalidKey("it is longer than 1024 bytes");
        }
        if (key.find('\0') != std::string_view::npos) {
            return InvalidKey("it contains a NUL byte");
        }
        if (key.find('\\') != std::string_view::npos) {
            return InvalidKey("it contains a backslash");
        }
        if (key.front() == '/') {
            return InvalidKey("it is an absolute path");
        }
        std::size_t begin = 0;
        while (begin <= key.size()) {
            const std::size_t end = std::min(key.find('/', begin), key.size());
            const std::string_view part = key.substr(begin, end - begin);
            if (part.empty() || part == "." || part == "..") {
                return InvalidKey("it must be a relative path of names, without '.' or '..' parts");
            }
            begin = end + 1;
        }
        return root_ / fs::path(std::string(key));
    }

    const fs::path root_;
};

}  // namespace

std::unique_ptr<core::BlobStore> MakeFsBlobStore(const fs::path& root) {
    std::error_code error;
    fs::create_directories(root, error);
    if (error) {
        throw std::runtime_error(
            fmt::format("cannot create the files folder {}: {}", root.string(), error.message()));
    }
    fs::path absolute = fs::absolute(root, error);
    if (error) {
        throw std::runtime_error(
            fmt::format("cannot resolve the files folder {}: {}", root.string(), error.message()));
    }
    return std::make_unique<FsBlobStore>(std::move(absolute));
}

}  // namespace batchd::files

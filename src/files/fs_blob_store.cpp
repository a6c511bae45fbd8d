#include "files/fs_blob_store.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/c_handle.hpp"

namespace batchd::files {
namespace {

namespace fs = std::filesystem;

using File = std::unique_ptr<std::FILE, CFree<&fclose>>;

constexpr std::size_t kMaxKeyLength = 1024;
constexpr std::string_view kPartialSuffix = ".partial";
constexpr mode_t kFolderMode = 0755;
constexpr mode_t kFileMode = 0644;

/// Owns one file descriptor (CFree wants a pointer; a descriptor is an int).
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { Reset(); }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            Reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] explicit operator bool() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void Reset() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
};

core::Error InvalidKey(std::string_view why) {
    return core::Error{core::Errc::kInvalidData, fmt::format("Invalid file key: {}", why)};
}

core::Error NotFound(std::string_view key) {
    return core::Error{core::Errc::kNotFound, fmt::format("File {} was not found", key)};
}

core::Error SymlinkRefused() {
    return InvalidKey("it leads through a symbolic link, which this store does not follow");
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

bool IsSymlinkAt(int dir, const std::string& name) {
    struct stat info {};
    return fstatat(dir, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode);
}

// The parts of an accepted key, or why it is refused (see the header).
core::Result<std::vector<std::string>> SplitKey(std::string_view key) {
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
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (begin <= key.size()) {
        const std::size_t end = std::min(key.find('/', begin), key.size());
        const std::string_view part = key.substr(begin, end - begin);
        if (part.empty() || part == "." || part == "..") {
            return InvalidKey("it must be a relative path of names, without '.' or '..' parts");
        }
        // Names starting with '.' are the store's own (unfinished files): a key may not name one.
        if (part.front() == '.') {
            return InvalidKey("a part of it starts with '.'");
        }
        parts.emplace_back(part);
        begin = end + 1;
    }
    return parts;
}

// The name of the unfinished file of the file `name`, in the same folder: hidden, and a name no key
// can have (keys have no part starting with '.'), so it never collides with a committed file.
std::string PartialName(const std::string& name) { return "." + name + std::string(kPartialSuffix); }

/// A key resolved to its folder (open, reached without following any symbolic link) and its name.
struct Location {
    Fd folder;
    std::string name;
};

class FsBlobWriter final : public core::BlobWriter {
public:
    FsBlobWriter(File file, Location location, std::string key, std::int64_t size)
        : file_(std::move(file)),
          location_(std::move(location)),
          partial_(PartialName(location_.name)),
          key_(std::move(key)),
          size_(size) {}

    ~FsBlobWriter() override {
        if (!file_) {
            return;  // committed
        }
        file_.reset();  // flushes what a suspended writer leaves for Resume
        if (!suspended_) {
            unlinkat(location_.folder.get(), partial_.c_str(), 0);  // discarded: nothing under the key
        }
    }

    FsBlobWriter(const FsBlobWriter&) = delete;
    FsBlobWriter& operator=(const FsBlobWriter&) = delete;

    // core::BlobWriter
    core::Result<void> Write(std::string_view bytes) override {
        if (!file_) {
            return AlreadyCommitted();
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

    core::Result<void> Sync() override {
        if (!file_) {
            return AlreadyCommitted();
        }
        if (std::fflush(file_.get()) != 0 || fsync(fileno(file_.get())) != 0) {
            return IoError("sync", key_, errno);
        }
        // The folder entry of a new unfinished file must survive a crash too, once.
        if (!folder_synced_) {
            if (fsync(location_.folder.get()) != 0) {
                return IoError("sync the folder of", key_, errno);
            }
            folder_synced_ = true;
        }
        return {};
    }

    void Suspend() override { suspended_ = true; }

    core::Result<std::int64_t> Commit() override {
        if (!file_) {
            return AlreadyCommitted();
        }
        // fsync before rename: after a crash the key names the whole file or the previous one.
        if (std::fflush(file_.get()) != 0 || fsync(fileno(file_.get())) != 0) {
            return IoError("write", key_, errno);
        }
        // The unfinished file has a fixed name, so a writer that lost its job (another one
        // resumed or recreated the file since) must not publish the other writer's file.
        struct stat mine {};
        struct stat there {};
        if (fstat(fileno(file_.get()), &mine) != 0 ||
            fstatat(location_.folder.get(), partial_.c_str(), &there, AT_SYMLINK_NOFOLLOW) != 0 ||
            mine.st_ino != there.st_ino || mine.st_dev != there.st_dev) {
            return core::Error{core::Errc::kConflict,
                               fmt::format("the unfinished file of {} was replaced by another writer", key_)};
        }
        if (std::fclose(file_.release()) != 0) {
            return IoError("close", key_, errno);
        }
        const int folder = location_.folder.get();
        if (renameat(folder, partial_.c_str(), folder, location_.name.c_str()) != 0) {
            const int error = errno;
            unlinkat(folder, partial_.c_str(), 0);
            return IoError("commit", key_, error);
        }
        fsync(folder);  // best effort: the rename is done, a failure here changes nothing for us
        return size_;
    }

private:
    core::Error AlreadyCommitted() const {
        return core::Error{core::Errc::kUnexpectedState, "file " + key_ + " is already committed"};
    }

    File file_;  // null once committed
    Location location_;
    std::string partial_;
    std::string key_;
    std::int64_t size_ = 0;
    bool suspended_ = false;
    bool folder_synced_ = false;
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
    explicit FsBlobStore(Fd root_fd) : root_fd_(std::move(root_fd)) {}

    // core::BlobStore
    core::Result<std::unique_ptr<core::BlobWriter>> Create(std::string_view key) override {
        auto location = Locate(key, /*create=*/true);
        if (!location) {
            return location.error();
        }
        const std::string partial = PartialName(location->name);
        // Drop an older unfinished file: this writer starts empty, on a new file of its own.
        if (unlinkat(location->folder.get(), partial.c_str(), 0) != 0 && errno != ENOENT) {
            return IoError("drop the unfinished", key, errno);
        }
        Fd fd{openat(location->folder.get(), partial.c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode)};
        if (!fd) {
            return IoError("create", key, errno);
        }
        return MakeWriter(std::move(fd), std::move(*location), key, 0);
    }

    core::Result<std::unique_ptr<core::BlobWriter>> Resume(std::string_view key, std::int64_t size) override {
        if (size < 0) {
            return core::Error{core::Errc::kInvalidData, "a resumed file cannot have a negative size"};
        }
        auto location = Locate(key, /*create=*/false);
        if (!location) {
            return location.error();
        }
        const std::string partial = PartialName(location->name);
        Fd fd{openat(location->folder.get(), partial.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC)};
        if (!fd) {
            if (errno == ENOENT) {
                return core::Error{core::Errc::kNotFound, fmt::format("File {} has no unfinished file", key)};
            }
            return IoError("resume", key, errno);
        }
        struct stat info {};
        if (fstat(fd.get(), &info) != 0) {
            return IoError("measure", key, errno);
        }
        if (!S_ISREG(info.st_mode) || info.st_size < size) {
            return core::Error{core::Errc::kNotFound,
                               fmt::format("The unfinished file of {} is shorter than {} bytes", key, size)};
        }
        // Cut back to the checkpoint: bytes past it were written after the last recorded Sync.
        if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0 ||
            lseek(fd.get(), static_cast<off_t>(size), SEEK_SET) < 0) {
            return IoError("resume", key, errno);
        }
        return MakeWriter(std::move(fd), std::move(*location), key, size);
    }

    core::Result<std::unique_ptr<core::BlobReader>> Open(std::string_view key) override {
        auto location = Locate(key, /*create=*/false);
        if (!location) {
            return location.error();
        }
        Fd fd{openat(location->folder.get(), location->name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
        if (!fd) {
            const int error = errno;
            if (error == ELOOP) {
                return SymlinkRefused();
            }
            return error == ENOENT ? NotFound(key) : IoError("open", key, error);
        }
        struct stat info {};
        if (fstat(fd.get(), &info) != 0) {
            return IoError("open", key, errno);
        }
        if (!S_ISREG(info.st_mode)) {
            return NotFound(key);  // a folder is not a file under a key
        }
        File file{fdopen(fd.get(), "rb")};
        if (!file) {
            return IoError("open", key, errno);
        }
        fd.release();  // the FILE owns it now
        return std::unique_ptr<core::BlobReader>{
            std::make_unique<FsBlobReader>(std::move(file), std::string(key))};
    }

    core::Result<std::int64_t> Size(std::string_view key) override {
        auto location = Locate(key, /*create=*/false);
        if (!location) {
            return location.error();
        }
        struct stat info {};
        if (fstatat(location->folder.get(), location->name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
            return errno == ENOENT ? NotFound(key) : IoError("measure", key, errno);
        }
        if (S_ISLNK(info.st_mode)) {
            return SymlinkRefused();
        }
        if (!S_ISREG(info.st_mode)) {
            return NotFound(key);
        }
        return static_cast<std::int64_t>(info.st_size);
    }

    core::Result<void> Remove(std::string_view key) override {
        auto location = Locate(key, /*create=*/false);
        if (!location) {
            if (location.error().code == core::Errc::kNotFound) {
                return {};  // its folder does not exist: nothing to remove
            }
            return location.error();
        }
        const int folder = location->folder.get();
        const std::string partial = PartialName(location->name);
        for (const std::string& name : {location->name, partial}) {
            // unlinkat removes a symbolic link itself, never its target; a folder (EISDIR) is no file.
            if (unlinkat(folder, name.c_str(), 0) != 0 && errno != ENOENT && errno != EISDIR) {
                return IoError("remove", key, errno);
            }
        }
        return {};
    }

private:
    core::Result<std::unique_ptr<core::BlobWriter>> MakeWriter(Fd fd,
                                                               Location location,
                                                               std::string_view key,
                                                               std::int64_t size) const {
        File file{fdopen(fd.get(), "wb")};  // "w" on an open descriptor does not truncate
        if (!file) {
            return IoError("open", key, errno);
        }
        fd.release();
        return std::unique_ptr<core::BlobWriter>{
            std::make_unique<FsBlobWriter>(std::move(file), std::move(location), std::string(key), size)};
    }

    // Opens the folder of `key` one part at a time with O_NOFOLLOW, from the root's descriptor, so
    // that neither a symbolic link placed in the tree nor one swapped in while we walk can lead out
    // of the root: such a key is kInvalidData. With `create`, missing folders are made; without it
    // a missing folder is kNotFound.
    core::Result<Location> Locate(std::string_view key, bool create) const {
        auto parts = SplitKey(key);
        if (!parts) {
            return parts.error();
        }
        Fd folder{dup(root_fd_.get())};
        if (!folder) {
            return IoError("open the folder of", key, errno);
        }
        for (std::size_t i = 0; i + 1 < parts->size(); ++i) {
            const std::string& part = (*parts)[i];
            Fd next{openat(folder.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
            if (!next && errno == ENOENT && create) {
                if (mkdirat(folder.get(), part.c_str(), kFolderMode) != 0 && errno != EEXIST) {
                    return IoError("create the folder of", key, errno);
                }
                next =
                    Fd{openat(folder.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
            }
            if (!next) {
                const int error = errno;
                if (error == ELOOP || IsSymlinkAt(folder.get(), part)) {
                    return SymlinkRefused();
                }
                if (error == ENOTDIR) {
                    return create ? InvalidKey(fmt::format("'{}' is a file, not a folder", part))
                                  : NotFound(key);
                }
                return error == ENOENT ? NotFound(key) : IoError("open the folder of", key, error);
            }
            folder = std::move(next);
        }
        if (create && IsSymlinkAt(folder.get(), parts->back())) {
            return SymlinkRefused();  // renaming over it would be harmless, but say so all the same
        }
        return Location{std::move(folder), std::move(parts->back())};
    }

    const Fd root_fd_;  // every lookup starts here, so a renamed root path cannot redirect us
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
    // The root itself may be a symbolic link (an operator's choice); only links below it are refused.
    Fd root_fd{open(absolute.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!root_fd) {
        throw std::runtime_error(
            fmt::format("cannot open the files folder {}: {}", absolute.string(), std::strerror(errno)));
    }
    return std::make_unique<FsBlobStore>(std::move(root_fd));
}

}  // namespace batchd::files

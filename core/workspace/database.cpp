#include "core/workspace/database.h"

#include <sqlite3.h>

#include <atomic>
#include <utility>

#include "core/common/error.h"

namespace prominence::workspace {
namespace {

// Long enough for another process's transaction (a batch of items) to finish; short enough that a
// stuck writer surfaces as an error instead of a frozen GUI.
constexpr int kBusyTimeoutMs = 10000;

}  // namespace

// ---- Database --------------------------------------------------------------------------------

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Database::Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Database Database::open(const std::string& path, bool create) {
    sqlite3* raw = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Database db(raw, path);
    if (rc != SQLITE_OK) {
        if (raw == nullptr)
            throw StorageError("workspace '" + path + "': opening: out of memory");
        db.fail(rc, create ? "creating the file" : "opening the file (it must exist)");
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    // Reading the schema is the first access that touches the file's bytes; a file that is not a
    // database fails here with SQLITE_NOTADB, which callers turn into "not a Prominence workspace".
    db.queryInt("SELECT count(*) FROM sqlite_schema", "reading the SQLite header");
    db.exec("PRAGMA foreign_keys = ON", "turning on foreign keys");
    return db;
}

void Database::enableWal() {
    Statement mode = prepare("PRAGMA journal_mode = WAL", "turning on write-ahead logging");
    if (!mode.step() || mode.getText(0) != "wal")
        throw StorageError("workspace '" + path_ +
                           "': turning on write-ahead logging: the file system refused WAL mode "
                           "(a workspace must live on a local disk)");
    mode.reset();
    // In WAL mode NORMAL never corrupts the file and keeps every committed transaction across a
    // process crash; only a power loss can drop the last few commits.
    exec("PRAGMA synchronous = NORMAL", "setting synchronous mode");
}

Statement Database::prepare(const std::string& sql, std::string purpose) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) fail(rc, purpose);
    return Statement(*this, stmt, std::move(purpose));
}

void Database::exec(const std::string& sql, const std::string& purpose) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string text = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        throw StorageError("workspace '" + path_ + "': " + purpose + ": " + text);
    }
}

std::int64_t Database::queryInt(const std::string& sql, const std::string& purpose) {
    Statement st = prepare(sql, purpose);
    if (!st.step()) throw StorageError("workspace '" + path_ + "': " + purpose + ": no row returned");
    return st.getInt(0);
}

bool Database::inTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }
std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(db_.get()); }
int Database::changes() const { return sqlite3_changes(db_.get()); }

void Database::fail(int rc, const std::string& purpose) const {
    std::string text = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_NOTADB) text = "not an SQLite database (" + text + ")";
    throw StorageError("workspace '" + path_ + "': " + purpose + ": " + text);
}

// ---- Statement -------------------------------------------------------------------------------

Statement::Statement(Database& db, sqlite3_stmt* stmt, std::string purpose)
    : db_(&db), stmt_(stmt), purpose_(std::move(purpose)) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), purpose_(std::move(other.purpose_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        db_ = other.db_;
        stmt_ = std::exchange(other.stmt_, nullptr);
        purpose_ = std::move(other.purpose_);
    }
    return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) db_->fail(rc, purpose_);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    const int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK) db_->fail(rc, purpose_);
    return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) db_->fail(rc, purpose_);
    return *this;
}

Statement& Statement::bind(int index, BlobRef value) {
    // A zero-length blob must still be a BLOB, not NULL: SQLite binds NULL for a null pointer.
    static const unsigned char empty = 0;
    const void* data = value.data != nullptr ? value.data : &empty;
    const int rc = sqlite3_bind_blob64(stmt_, index, data, value.size, SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) db_->fail(rc, purpose_);
    return *this;
}

Statement& Statement::bindNull(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) db_->fail(rc, purpose_);
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail(rc, purpose_);
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t Statement::getInt(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::getDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::getText(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::int64_t> Statement::getOptionalInt(int column) const {
    if (isNull(column)) return std::nullopt;
    return getInt(column);
}

std::optional<std::string> Statement::getOptionalText(int column) const {
    if (isNull(column)) return std::nullopt;
    return getText(column);
}

std::vector<unsigned char> Statement::getBlob(int column) const {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    if (data == nullptr || size <= 0) return {};
    return std::vector<unsigned char>(data, data + size);
}

// ---- Transaction -----------------------------------------------------------------------------

Transaction::Transaction(Database& db, std::string purpose) : db_(db), purpose_(std::move(purpose)) {
    if (db_.inTransaction()) {
        static std::atomic<unsigned long long> counter{0};
        savepoint_ = "prominence_sp_" + std::to_string(++counter);
        db_.exec("SAVEPOINT " + savepoint_, purpose_ + " (savepoint)");
    } else {
        db_.exec("BEGIN IMMEDIATE", purpose_ + " (begin)");
    }
}

Transaction::~Transaction() {
    if (done_) return;
    // Never throw from a destructor: a failed rollback leaves SQLite to roll back on close, and
    // the exception that brought us here is the one worth reporting.
    if (savepoint_.empty()) {
        if (db_.inTransaction()) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    } else {
        const std::string sql = "ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_;
        sqlite3_exec(db_.handle(), sql.c_str(), nullptr, nullptr, nullptr);
    }
}

void Transaction::commit() {
    if (done_) throw StorageError("workspace '" + db_.path() + "': " + purpose_ + ": committed twice");
    db_.exec(savepoint_.empty() ? std::string("COMMIT") : "RELEASE " + savepoint_, purpose_ + " (commit)");
    done_ = true;
}

}  // namespace prominence::workspace

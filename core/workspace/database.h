#pragma once
// A thin, checked layer over one SQLite connection: prepared statements with bound parameters and an
// RAII transaction. Every failure becomes a StorageError naming the database file and what the
// statement was for, e.g. "workspace 'a.prominence': saving run items: UNIQUE constraint failed ...".
//
// Thread safety: a Database is one connection and must be used by one thread at a time. Long jobs on
// worker threads open their own Database (SQLite serialises writers across connections; readers see
// the last committed state thanks to WAL).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace prominence::workspace {

class Database;

// Raw bytes for a BLOB parameter; the memory must outlive the statement's next step().
struct BlobRef {
    const void* data = nullptr;
    std::size_t size = 0;
};

class Statement {
public:
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, const std::string& value);
    Statement& bind(int index, const char* value) { return bind(index, std::string(value)); }
    Statement& bind(int index, BlobRef value);
    Statement& bindNull(int index);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bindNull(index);
    }
    // Binds the arguments to parameters 1, 2, ... in order.
    template <typename... T>
    Statement& bindAll(const T&... values) {
        int i = 0;
        (bind(++i, values), ...);
        return *this;
    }

    // Advances to the next row; false once the statement is done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    // Makes the statement ready to be bound and run again.
    void reset();

    bool isNull(int column) const;
    std::int64_t getInt(int column) const;
    double getDouble(int column) const;
    std::string getText(int column) const;
    std::optional<std::int64_t> getOptionalInt(int column) const;
    std::optional<std::string> getOptionalText(int column) const;
    std::vector<unsigned char> getBlob(int column) const;

private:
    friend class Database;
    Statement(Database& db, sqlite3_stmt* stmt, std::string purpose);

    Database* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    std::string purpose_;
};

class Database {
public:
    // Opens an existing file (create = false) or creates it (create = true) with foreign keys and a
    // busy timeout, and reads its header. Throws StorageError when the file is not SQLite.
    // Nothing is written: a file of another application stays untouched.
    static Database open(const std::string& path, bool create);
    // Switches the file to write-ahead logging (readers never block the writer, and a crash
    // mid-transaction leaves only an uncommitted tail in the -wal file that SQLite discards).
    void enableWal();

    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_.get(); }

    Statement prepare(const std::string& sql, std::string purpose);
    // Runs SQL text without parameters (may hold several statements, e.g. schema scripts).
    void exec(const std::string& sql, const std::string& purpose);
    // A single integer, e.g. from "SELECT count(*) ..." or a pragma.
    std::int64_t queryInt(const std::string& sql, const std::string& purpose);

    bool inTransaction() const;
    std::int64_t lastInsertId() const;
    int changes() const;

    // Throws the StorageError for an SQLite result code, with the connection's message.
    [[noreturn]] void fail(int rc, const std::string& purpose) const;

private:
    struct Closer {
        void operator()(sqlite3* db) const;
    };
    Database(sqlite3* db, std::string path);

    std::unique_ptr<sqlite3, Closer> db_;
    std::string path_;
};

// BEGIN IMMEDIATE at the outermost level (the write lock is taken at once, so two writers wait on
// the busy timeout instead of failing on lock upgrade); a SAVEPOINT when nested inside another
// Transaction. Rolls back in the destructor unless commit() was called, so an exception anywhere
// in between leaves the database as it was.
class Transaction {
public:
    Transaction(Database& db, std::string purpose);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    void commit();

private:
    Database& db_;
    std::string purpose_;
    std::string savepoint_;  // empty at the outermost level
    bool done_ = false;
};

}  // namespace prominence::workspace

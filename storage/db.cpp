#include "storage/db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace roost::storage {
namespace {

Error db_error(sqlite3* db, const std::string& what) {
  int code = sqlite3_errcode(db);
  ErrorKind kind = (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ? ErrorKind::corrupt : ErrorKind::io;
  return make_error(kind, what + ": " + sqlite3_errmsg(db));
}

}  // namespace

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, const std::string& text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_error(db_, "database");
}

Result<void> Statement::run() {
  while (ROOST_TRY(step())) {
  }
  return {};
}

std::string Statement::text(int column) const {
  auto p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Result<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close(db);
    return make_error(ErrorKind::io, "opening database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 30000);
  // Every roost command opens and closes the database. By default the last
  // connection to close checkpoints the WAL and deletes it, and the next
  // command's first write creates it again: five fsyncs per command. Keep the
  // WAL between commands and let SQLite checkpoint it once it reaches
  // wal_autocheckpoint pages; a small limit keeps the WAL that the next
  // opener has to read (recovery) small.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  int persist_wal = 1;
  sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist_wal);
  Database d(db, path);
  // Switching a new database to WAL upgrades a read lock to a write lock inside
  // one statement, and SQLite answers SQLITE_BUSY there at once instead of
  // calling the busy handler (waiting could deadlock). Processes that create
  // one store together, such as two first pulls, meet that: retry instead.
  const char* setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                      "PRAGMA wal_autocheckpoint=256;";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    auto r = d.exec(setup);
    if (r) break;
    int code = sqlite3_errcode(db) & 0xff;
    if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= deadline)
      return std::move(r).error().context(path);
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return d;
}

Database::~Database() {
  if (db_) sqlite3_close(db_);
}

Result<void> Database::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    int code = sqlite3_errcode(db_);
    ErrorKind kind = (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ? ErrorKind::corrupt : ErrorKind::io;
    return make_error(kind, "database " + path_ + ": " + msg);
  }
  return {};
}

Result<Statement> Database::prepare(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return db_error(db_, "database " + path_);
  return Statement(db_, st);
}

Result<Transaction> Transaction::begin(Database& db) {
  ROOST_TRY(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

Result<void> Transaction::commit() {
  Database* db = db_;
  db_ = nullptr;
  return db->exec("COMMIT");
}

}  // namespace roost::storage

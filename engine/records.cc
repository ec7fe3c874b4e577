/*
 * records.cc: the record preload (records.h): a thread that reads every stored record of
 * one revision of a database into memory, and the handle's side, which starts it, takes
 * its table and drops the table when the handle's revision moves. Part of the shim: no
 * C++ type or exception leaves it (the thread catches everything; a failure only means
 * the records keep coming from Xapian).
 */
#include "records.h"

#include <algorithm>

#include <sys/stat.h>

namespace trawl_records {

namespace {

/* Room to reserve for the records: the docdata table's file size when the database is a
 * glass one (a little more than the records), else nothing; never over the limit. */
size_t reserve_for(const std::string &path, size_t limit)
{
    struct stat st;
    if (stat((path + "/docdata.glass").c_str(), &st) == 0 && st.st_size > 0)
        return std::min(size_t(st.st_size), limit);
    return 0;
}

/* Every record of the database at path, as of revision rev; null when the database is at
 * another revision now, its ids are mostly holes, its records exceed `limit` bytes, or
 * `cancel` is set. Throws what Xapian throws. */
std::shared_ptr<Table> load(const std::string &path, Xapian::rev rev, size_t limit,
                            const std::atomic<bool> &cancel)
{
    Xapian::Database db(path);
    if (db.get_revision() != rev)
        return nullptr;
    uint64_t last = db.get_lastdocid(), n = db.get_doccount();
    if (n == 0 || last > 2 * n + 1024)
        return nullptr; // a table by id would be mostly holes
    auto t = std::make_shared<Table>();
    t->rev = rev;
    t->off.assign(size_t(last) + 2, 0);
    t->bytes.reserve(reserve_for(path, limit));
    size_t next = 1; // the first id whose start is not set yet
    for (Xapian::PostingIterator it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
        if (cancel.load(std::memory_order_relaxed))
            return nullptr;
        Xapian::docid d = *it;
        std::string data = db.get_document(d, Xapian::DOC_ASSUME_VALID).get_data();
        if (t->bytes.size() + data.size() > limit)
            return nullptr;
        for (; next <= d; next++)
            t->off[next] = t->bytes.size();
        t->bytes += data;
    }
    for (; next < t->off.size(); next++)
        t->off[next] = t->bytes.size();
    if (t->bytes.capacity() > t->bytes.size() + t->bytes.size() / 8)
        t->bytes.shrink_to_fit();
    return t;
}

} // namespace

void Preload::set_limit(size_t bytes)
{
    if (bytes != limit)
        stop(); // a thread loading with the old limit
    limit = bytes;
    failed = false; // a larger limit may succeed where a smaller one did not
    if (table && table->bytes.size() > limit)
        table.reset();
}

void Preload::stop()
{
    if (loader.joinable()) {
        shared->cancel.store(true, std::memory_order_relaxed);
        loader.join();
    }
    shared.reset();
}

void Preload::take()
{
    loader.join();
    std::shared_ptr<Table> t = std::move(shared->result);
    shared.reset();
    if (t) {
        table = std::move(t);
    } else {
        failed = true;
        failed_rev = loading_rev;
    }
}

void Preload::wait()
{
    if (loader.joinable())
        take();
}

std::shared_ptr<const Table> Preload::current(const std::string &path, Xapian::Database &db)
{
    if (!limit)
        return nullptr;
    try {
        if (loader.joinable() && shared->done.load(std::memory_order_acquire))
            take();
        Xapian::rev rev = db.get_revision();
        if (table && table->rev != rev)
            table.reset(); // the handle has moved on: these records may be old
        if (table)
            return table;
        if (loader.joinable()) {
            if (loading_rev != rev)
                shared->cancel.store(true, std::memory_order_relaxed); // a new one follows
            return nullptr;
        }
        if (failed && failed_rev == rev)
            return nullptr;
        auto sh = std::make_shared<Shared>();
        size_t lim = limit;
        loader = std::thread([sh, path, rev, lim] {
            std::shared_ptr<Table> t;
            try {
                t = load(path, rev, lim, sh->cancel);
            } catch (...) {
                t.reset(); // the handle reads from Xapian, which reports any real error
            }
            sh->result = std::move(t);
            sh->done.store(true, std::memory_order_release);
        });
        shared = std::move(sh);
        loading_rev = rev;
    } catch (...) {
        failed = true; // no thread (or no revision): read from Xapian
        try {
            failed_rev = db.get_revision();
        } catch (...) {
        }
    }
    return nullptr;
}

} // namespace trawl_records

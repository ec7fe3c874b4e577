/*
 * records.cc: the record preload (records.h): a thread that reads every stored record of
 * one revision of a database into memory (or what shim_keep makes of each), and the
 * handle's side, which starts it, takes its table and drops the table when the handle's
 * revision moves. Part of the shim: no C++ type or exception leaves it (the thread
 * catches everything; a failure only means the records keep coming from Xapian).
 */
#include "records.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace trawl_records {

void Bytes::append(const void *src, size_t len)
{
    if (len > cap - n) {
        size_t want = std::max({2 * cap, n + len, size_t(1) << 20});
        char *q = static_cast<char *>(std::realloc(p, want));
        if (!q)
            throw std::bad_alloc();
        p = q;
        cap = want;
    }
    if (len)
        std::memcpy(p + n, src, len);
    n += len;
}

void Bytes::trim()
{
    if (n && n < cap) {
        if (char *q = static_cast<char *>(std::realloc(p, n))) {
            p = q;
            cap = n;
        }
    }
}

namespace {

/* A shim_keep state for one load, closed when it goes. */
struct KeepState {
    const shim_keep *keep;
    void *state;
    explicit KeepState(const shim_keep *k) : keep(k), state(k->open()) {}
    ~KeepState()
    {
        if (state)
            keep->close(state);
    }
    KeepState(const KeepState &) = delete;
    KeepState &operator=(const KeepState &) = delete;
};

/* Every record of db (at revision rev), or what `keep` (may be null) makes of each; null
 * when they exceed `limit` bytes or `cancel` is set. Throws what Xapian throws. */
std::shared_ptr<Table> load_pass(Xapian::Database &db, Xapian::rev rev, size_t limit,
                                 const shim_keep *keep, const std::atomic<bool> &cancel)
{
    std::unique_ptr<KeepState> ks;
    if (keep) {
        ks.reset(new KeepState(keep));
        if (!ks->state)
            return nullptr;
    }
    auto t = std::make_shared<Table>();
    t->rev = rev;
    t->kept = keep != nullptr;
    t->off.assign(size_t(db.get_lastdocid()) + 2, 0);
    size_t next = 1; // the first id whose start is not set yet
    for (Xapian::PostingIterator it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
        if (cancel.load(std::memory_order_relaxed))
            return nullptr;
        Xapian::docid d = *it;
        std::string data = db.get_document(d, Xapian::DOC_ASSUME_VALID).get_data();
        const void *p = data.data();
        size_t n = data.size();
        if (ks && ks->keep->keep(ks->state, data.data(), data.size(), &p, &n) != 0)
            n = 0; // nothing held: its hits read the record from Xapian
        if (t->bytes.size() + n > limit)
            return nullptr;
        for (; next <= d; next++)
            t->off[next] = t->bytes.size();
        t->bytes.append(static_cast<const char *>(p), n);
    }
    for (; next < t->off.size(); next++)
        t->off[next] = t->bytes.size();
    t->bytes.trim();
    return t;
}

/* Adds n to sum (at most limit) when the total stays within limit; returns whether it did. */
bool add_within(size_t &sum, size_t n, size_t limit)
{
    if (n > limit - sum)
        return false;
    sum += n;
    return true;
}

/* Whether what `keep` would make of every record of db (by keep->bound) fits in `limit`,
 * and whether the records themselves do: one pass over the records that makes nothing,
 * ended as soon as neither fits (or `cancel` is set). Throws what Xapian throws. */
void measure(Xapian::Database &db, size_t limit, const shim_keep *keep,
             const std::atomic<bool> &cancel, bool *kept_fits, bool *raw_fits)
{
    size_t kept = 0, raw = 0;
    *kept_fits = *raw_fits = true;
    for (Xapian::PostingIterator it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
        if (cancel.load(std::memory_order_relaxed))
            return;
        std::string data = db.get_document(*it, Xapian::DOC_ASSUME_VALID).get_data();
        if (*kept_fits)
            *kept_fits = add_within(kept, keep->bound(data.data(), data.size()), limit);
        if (*raw_fits)
            *raw_fits = add_within(raw, data.size(), limit);
        if (!*kept_fits && !*raw_fits)
            return;
    }
}

/* What to hold of the database at path, as of revision rev: what `keep` makes of every
 * record when it fits in `limit` (found before anything is made), else the records when
 * they fit; null when they do not, the database is at another revision now, its ids are
 * mostly holes, or `cancel` is set. Throws what Xapian throws. */
std::shared_ptr<Table> load(const std::string &path, Xapian::rev rev, size_t limit,
                            const shim_keep *keep, const std::atomic<bool> &cancel)
{
    Xapian::Database db(path);
    if (db.get_revision() != rev)
        return nullptr;
    uint64_t last = db.get_lastdocid(), n = db.get_doccount();
    if (n == 0 || last > 2 * n + 1024)
        return nullptr; // a table by id would be mostly holes
    if (keep) {
        bool kept_fits, raw_fits;
        measure(db, limit, keep, cancel, &kept_fits, &raw_fits);
        std::shared_ptr<Table> t;
        if (kept_fits && (t = load_pass(db, rev, limit, keep, cancel)))
            return t;
        if (!raw_fits || cancel.load(std::memory_order_relaxed))
            return nullptr;
    }
    return load_pass(db, rev, limit, nullptr, cancel);
}

} // namespace

void Preload::set_limit(size_t bytes, const shim_keep *k)
{
    if (bytes != limit || k != keep) {
        stop(); // a thread loading with the old limit
        table.reset(); // a larger limit may hold more, or bodies instead of records
    }
    limit = bytes;
    keep = k;
    failed = false; // a larger limit may succeed where a smaller one did not
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
        const shim_keep *k = keep;
        loader = std::thread([sh, path, rev, lim, k] {
            std::shared_ptr<Table> t;
            try {
                t = load(path, rev, lim, k, sh->cancel);
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

/*
 * records.h: the record preload of a read-only handle (C++, inside the shim). A server
 * that makes snippets reads each hit's stored record (its document data) from Xapian: a
 * B-tree lookup and the `pread` of an 8 KiB block, about a fifth of a snippet's cost
 * (doc/snippets.md). With a preload limit set, the handle reads every record of the
 * database once, on a thread of its own with its own Xapian::Database, into one block of
 * memory indexed by document id, and later searches take their hits' data from there.
 *
 * What is held: given a shim_keep (db.c's gives each article's body, inflated), what it
 * makes of every record, when all of that fits in the limit; else the records themselves,
 * when they fit; else nothing. A first pass over the records, which makes nothing, tells
 * which (by shim_keep's bound), so that nothing is made in vain. (Inflating a record was
 * the largest part of a snippet's cost once the record was in memory: doc/snippets.md.)
 *
 * A table holds one database revision and is used only while the handle is at that
 * revision: after a reopen that moves it, the old table is dropped and a new one loaded in
 * the same way (until then, records come from Xapian as before). Nor is a database whose
 * document ids are mostly holes loaded. Nothing here changes a result: a table holds a
 * copy of what Document::get_data returns for the same revision, or what shim_keep makes
 * of exactly that, and any hit it lacks is read from Xapian. Only for read-only handles:
 * a writer's uncommitted changes have no revision.
 *
 * Not thread-safe itself (like the handle that owns it): the loading thread shares
 * nothing with the handle's thread but the flags below and the table it hands over.
 */
#ifndef TRAWL_RECORDS_H
#define TRAWL_RECORDS_H

#include <xapian.h>

#include "shim.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace trawl_records {

/* A block of bytes that grows by realloc: a large block is moved by remapping its pages,
 * not copied, so that growing (and trimming) it never holds two copies at once, which
 * std::string's growth would. */
struct Bytes {
    char *p = nullptr;
    size_t n = 0, cap = 0;
    Bytes() = default;
    Bytes(const Bytes &) = delete;
    Bytes &operator=(const Bytes &) = delete;
    ~Bytes() { std::free(p); }
    const char *data() const { return p; }
    size_t size() const { return n; }
    void append(const void *src, size_t len); // throws std::bad_alloc
    void trim();                              // gives back the room not used
};

/* Every document's data of one revision, or what shim_keep made of it (`kept`): document
 * d's is bytes[off[d], off[d + 1]). A document without data (or with none, or for which
 * keep() made nothing) has an empty range and is read from Xapian. */
struct Table {
    Xapian::rev rev = 0;
    bool kept = false;
    std::vector<uint64_t> off;
    Bytes bytes;

    /* Document d's record, or false when the table does not hold it. */
    bool get(Xapian::docid d, const char **p, size_t *len) const
    {
        if (d + 1 >= off.size() || off[d + 1] == off[d])
            return false;
        *p = bytes.data() + off[d];
        *len = size_t(off[d + 1] - off[d]);
        return true;
    }
};

class Preload {
  public:
    Preload() = default;
    Preload(const Preload &) = delete;
    Preload &operator=(const Preload &) = delete;
    ~Preload() { stop(); }

    /* Sets the most bytes to hold (0: none, the default) and what to hold of each record
     * (keep, may be null: the records themselves; it must outlive this): stops a loading
     * thread and drops the table when either changes. */
    void set_limit(size_t bytes, const shim_keep *keep);

    /* The table for db at its current revision, or null when there is none yet. Starts
     * loading one (from the database at path) when there is none, no thread is loading,
     * and this revision has not already failed to load (over the limit). Never throws:
     * a thread that cannot start leaves the handle reading from Xapian. */
    std::shared_ptr<const Table> current(const std::string &path, Xapian::Database &db);

    /* Waits for a loading thread, if any, and takes its table (for tests). */
    void wait();

    /* Bytes held now (0 when no table). */
    size_t held() const { return table ? table->bytes.size() : 0; }
    /* Whether what is held is what shim_keep made. */
    bool kept() const { return table && table->kept; }

  private:
    void stop();
    void take(); // joins the finished thread and takes its table

    size_t limit = 0;
    const shim_keep *keep = nullptr;
    std::shared_ptr<const Table> table;
    std::thread loader;
    Xapian::rev loading_rev = 0;
    bool failed = false;       // loading failed_rev failed (over the limit, or an error)
    Xapian::rev failed_rev = 0;
    // Shared with the loading thread (heap-held, so the thread keeps them alive):
    struct Shared {
        std::atomic<bool> cancel{false};
        std::atomic<bool> done{false};
        std::shared_ptr<Table> result; // written by the thread before done is set
    };
    std::shared_ptr<Shared> shared;
};

} // namespace trawl_records

#endif

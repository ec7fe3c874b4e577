/*
 * records.h: the record preload of a read-only handle (C++, inside the shim). A server
 * that makes snippets reads each hit's stored record (its document data) from Xapian: a
 * B-tree lookup and the `pread` of an 8 KiB block, about a fifth of a snippet's cost
 * (doc/snippets.md). With a preload limit set, the handle reads every record of the
 * database once, on a thread of its own with its own Xapian::Database, into one block of
 * memory indexed by document id, and later searches take their hits' records from there.
 *
 * A table holds the records of one database revision and is used only while the handle
 * is at that revision: after a reopen that moves it, the old table is dropped and a new one
 * loaded in the same way (until then, records come from Xapian as before). A database
 * whose records together exceed the limit is not loaded at all, nor is one whose document
 * ids are mostly holes. Nothing here changes a result: a table is a copy of what
 * Document::get_data returns for the same revision, and any hit it lacks is read from
 * Xapian. Only for read-only handles: a writer's uncommitted changes have no revision.
 *
 * Not thread-safe itself (like the handle that owns it): the loading thread shares
 * nothing with the handle's thread but the flags below and the table it hands over.
 */
#ifndef TRAWL_RECORDS_H
#define TRAWL_RECORDS_H

#include <xapian.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace trawl_records {

/* Every document's data of one revision: document d's is bytes[off[d], off[d + 1]). A
 * document without data (or with none) has an empty range and is read from Xapian. */
struct Table {
    Xapian::rev rev = 0;
    std::vector<uint64_t> off;
    std::string bytes;

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

    /* Sets the most bytes of records to hold (0: none, the default): stops a loading
     * thread and drops the table when it is 0 or smaller than the table. */
    void set_limit(size_t bytes);

    /* The table for db at its current revision, or null when there is none yet. Starts
     * loading one (from the database at path) when there is none, no thread is loading,
     * and this revision has not already failed to load (over the limit). Never throws:
     * a thread that cannot start leaves the handle reading from Xapian. */
    std::shared_ptr<const Table> current(const std::string &path, Xapian::Database &db);

    /* Waits for a loading thread, if any, and takes its table (for tests). */
    void wait();

    /* Bytes of records held now (0 when no table). */
    size_t held() const { return table ? table->bytes.size() : 0; }

  private:
    void stop();
    void take(); // joins the finished thread and takes its table

    size_t limit = 0;
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

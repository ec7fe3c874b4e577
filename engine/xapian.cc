/*
 * xapian.cc: the Xapian shim, the only C++ in trawl. engine/db.c calls it through the
 * plain-C interface in engine/shim.h; nothing C++ crosses that boundary.
 *
 * Every extern "C" function body sits inside try { ... } catch (...) { return fail(s); },
 * and fail() is the one place that maps exceptions to statuses (table in shim.h) and keeps
 * the message on the handle. Reads that meet DatabaseModifiedError (a writer committed
 * twice under us) reopen and retry once, in retrying(). The shim holds no policy: terms,
 * prefixes, weights and formats come from db.c and article.c.
 */
#include <xapian.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/stat.h>

#include "article.h"
#include "rank.h"
#include "records.h"
#include "shim.h"

namespace {

/* A stemmer that remembers its answers. MSet::snippet stems every word of the text it is
 * given, and Snowball's English stemmer costs about 2,000 instructions a word: two thirds
 * of a snippet's cost. Words repeat from article to article, so a server soon finds most
 * of them here. Stemming is a pure function of the word, so snippets are unchanged.
 *
 * The memo is direct-mapped: SLOTS cache-line-sized slots (1 MiB), each holding one word
 * of at most WORD_MAX bytes and its stem, chosen by a hash of the word; a new word simply
 * replaces the slot's old one. A lookup touches one cache line (a std::unordered_map took
 * two or three scattered ones and was 8% of a snippeted query's time). Longer words and
 * stems are not kept. Not thread-safe, like the handle that owns it. */
class MemoStem : public Xapian::StemImplementation {
    static const size_t SLOTS = 16384; // a power of two
    static const size_t WORD_MAX = 31;
    struct alignas(64) Slot {
        unsigned char wlen, slen; // wlen 0: empty
        char word[WORD_MAX], stem[WORD_MAX];
    };
    Xapian::Stem inner;
    std::vector<Slot> slots;

    static size_t hash(const std::string &w)
    {
        uint32_t h = 2166136261u; // FNV-1a
        for (unsigned char c : w)
            h = (h ^ c) * 16777619u;
        return h & (SLOTS - 1);
    }

  public:
    explicit MemoStem(const Xapian::Stem &s) : inner(s) {}
    std::string operator()(const std::string &word) override
    {
        if (word.empty() || word.size() > WORD_MAX)
            return inner(word);
        if (slots.empty())
            slots.resize(SLOTS); // at the first use: a server starts without it
        Slot &slot = slots[hash(word)];
        if (slot.wlen == word.size() && std::memcmp(slot.word, word.data(), slot.wlen) == 0)
            return std::string(slot.stem, slot.slen);
        std::string stem = inner(word);
        if (stem.size() <= WORD_MAX) {
            slot.wlen = static_cast<unsigned char>(word.size());
            slot.slen = static_cast<unsigned char>(stem.size());
            std::memcpy(slot.word, word.data(), word.size());
            std::memcpy(slot.stem, stem.data(), stem.size());
        }
        return stem;
    }
    std::string get_description() const override
    {
        return "MemoStem(" + inner.get_description() + ")";
    }
};

} // namespace

struct shim_db {
    std::string path;
    bool writable = false;
    Xapian::Database rdb;         // read-only handles
    Xapian::WritableDatabase wdb; // writable handles
    Xapian::Stem stem;
    Xapian::Stem snippet_stem; // stem with a memo, for snippets
    bool prefilter = true;     // the scan may skip words by their first bytes (English)
    Xapian::TermGenerator tg;
    Xapian::Document no_doc; // what tg holds between documents (shim_doc_done)
    std::string err;
    bool terms_cached = false;
    Xapian::rev terms_rev = 0;
    uint64_t terms = 0;
    // The query stopper, built from the last stop word list given (a set of ~170 words
    // cost 100,000 instructions to build, 8% of a query without snippets).
    std::unique_ptr<Xapian::SimpleStopper> stopper;
    const char *const *stop_words = nullptr;
    size_t nstop_words = 0;
    trawl_rank::DocLengths doclens; // for the fast IneB2 path (rank.h), read-only handles
    // The records in memory (records.h), read-only handles. Last, so that its thread is
    // stopped first when the handle goes.
    trawl_records::Preload preload;
    uint64_t preload_served = 0; // hits whose record came from it (for the tests)

    Xapian::Database &db() { return writable ? wdb : rdb; }
};

struct shim_doc {
    Xapian::Document doc;
};

struct shim_mset {
    Xapian::Enquire enquire;
    Xapian::Query query; // as parsed: the enquire's may have sources in place of terms
    Xapian::MSet mset;
    Xapian::Stem stem;
    std::vector<std::string> data;  // hit i's document data, when read from Xapian
    // hit i's data, from `data` or `records`; {nullptr, 0} when it was not fetched
    std::vector<std::pair<const char *, size_t>> record;
    // what shim_keep made of hit i's data, from `records`; {nullptr, 0} when none
    std::vector<std::pair<const char *, size_t>> kept;
    std::shared_ptr<const trawl_records::Table> records; // the preload's table used
    std::vector<std::string> values; // each hit's summary value
    std::vector<double> scores;
    // What MSet::snippet looks for, gathered from the query at the first shim_mset_words.
    bool probes_ready = false;
    std::unordered_map<std::string, size_t> loose; // a term -> its index in weights
    std::vector<std::vector<std::string>> phrases; // tight phrases of terms ...
    std::vector<size_t> phrase_probe;              // ... and their index in weights
    std::vector<std::string> wildcards;            // wildcard patterns ...
    std::vector<size_t> wildcard_probe;            // ... and their index in weights
    std::vector<std::string> starts;               // what a match of each sought word starts with
    bool first_byte[256] = {};                     // a word's first byte may begin one
    std::vector<uint64_t> pairs;                   // the first two bytes of those, as bits
    std::vector<std::string> last;                 // shim_mset_words' recent words
    std::vector<double> weights;
    explicit shim_mset(const Xapian::Database &db) : enquire(db) {}
};

extern "C" {
const unsigned SHIM_QP_DEFAULT = Xapian::QueryParser::FLAG_DEFAULT;
const unsigned SHIM_QP_PHRASE = Xapian::QueryParser::FLAG_PHRASE;
const unsigned SHIM_QP_BOOLEAN = Xapian::QueryParser::FLAG_BOOLEAN;
const unsigned SHIM_QP_LOVEHATE = Xapian::QueryParser::FLAG_LOVEHATE;
const unsigned SHIM_QP_PURE_NOT = Xapian::QueryParser::FLAG_PURE_NOT;
const unsigned SHIM_QP_PARTIAL = Xapian::QueryParser::FLAG_PARTIAL;
const unsigned SHIM_QP_BOOLEAN_ANY_CASE = Xapian::QueryParser::FLAG_BOOLEAN_ANY_CASE;
const unsigned SHIM_SNIPPET_BACKGROUND_MODEL = Xapian::MSet::SNIPPET_BACKGROUND_MODEL;
const unsigned SHIM_SNIPPET_EXHAUSTIVE = Xapian::MSet::SNIPPET_EXHAUSTIVE;
}

namespace {

/* A Xapian error's message without the backend's class name ("DatabaseNotFoundError: "),
 * which means nothing to a user: the message, then the system's reason when there is one. */
std::string describe(const Xapian::Error &e)
{
    std::string s = e.get_msg();
    const char *sys = e.get_error_string();
    if (sys && *sys)
        s += s.empty() ? sys : std::string(": ") + sys;
    return s.empty() ? "unknown database error" : s;
}

/* Maps the exception in flight to a status and stores its message in *msg. Only call
 * from inside a catch block. */
trawl_status map_exception(std::string *msg, const std::string &path)
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        *msg = describe(e);
        return TRAWL_ELOCKED;
    } catch (const Xapian::DatabaseCorruptError &e) {
        *msg = describe(e);
        return TRAWL_ECORRUPT;
    } catch (const Xapian::DatabaseNotFoundError &e) {
        *msg = describe(e);
        return TRAWL_ENOTFOUND;
    } catch (const Xapian::DatabaseOpeningError &e) {
        struct stat sb;
        *msg = describe(e);
        return !path.empty() && stat(path.c_str(), &sb) < 0 ? TRAWL_ENOTFOUND : TRAWL_EIO;
    } catch (const Xapian::QueryParserError &e) {
        *msg = e.get_msg();
        return TRAWL_EQUERY;
    } catch (const Xapian::InvalidArgumentError &e) {
        *msg = describe(e);
        return TRAWL_EINVAL;
    } catch (const Xapian::Error &e) {
        *msg = describe(e);
        return TRAWL_EIO;
    } catch (const std::bad_alloc &) {
        *msg = "out of memory";
        return TRAWL_ENOMEM;
    } catch (const std::exception &e) {
        *msg = std::string("unexpected C++ exception: ") + e.what();
        return TRAWL_EINTERNAL;
    } catch (...) {
        *msg = "unexpected C++ exception of unknown type";
        return TRAWL_EINTERNAL;
    }
}

/* The one catch-all target of every shim function that has a handle. */
trawl_status fail(shim_db *s)
{
    try {
        std::string msg;
        trawl_status st = map_exception(&msg, s->path);
        s->err.swap(msg);
        return st;
    } catch (...) {
        return TRAWL_ENOMEM; // copying the message itself failed
    }
}

/* Runs f; when the database was modified under a read, reopens and runs it once more. */
template <class F> void retrying(shim_db *s, F f)
{
    try {
        f();
    } catch (const Xapian::DatabaseModifiedError &) {
        s->db().reopen();
        f();
    }
}

char *dup_string(const std::string &str)
{
    char *p = static_cast<char *>(std::malloc(str.size() + 1));
    if (!p)
        throw std::bad_alloc();
    std::memcpy(p, str.data(), str.size());
    p[str.size()] = '\0';
    return p;
}

void *dup_bytes(const std::string &str)
{
    void *p = std::malloc(str.size() ? str.size() : 1);
    if (!p)
        throw std::bad_alloc();
    std::memcpy(p, str.data(), str.size());
    return p;
}

/* `name:value` filters: the value becomes the boolean term article_filter_term builds. */
class FilterProcessor : public Xapian::FieldProcessor {
    std::string field;

  public:
    explicit FilterProcessor(const char *f) : field(f) {}
    Xapian::Query operator()(const std::string &value) override
    {
        char *term = nullptr;
        trawl_status st = article_filter_term(field.c_str(), value.c_str(), &term);
        if (st == TRAWL_ENOMEM)
            throw std::bad_alloc();
        if (st != TRAWL_OK)
            throw Xapian::QueryParserError("cannot make a term of " + field + " value '" +
                                           value + "'");
        Xapian::Query q(term);
        std::free(term);
        return q;
    }
};

/* `date:A..B`: either end may be empty; B is inclusive to the end of its period. */
class DateRangeProcessor : public Xapian::RangeProcessor {
  public:
    DateRangeProcessor(Xapian::valueno slot, const std::string &prefix)
        : Xapian::RangeProcessor(slot, prefix)
    {
    }
    Xapian::Query operator()(const std::string &b, const std::string &e) override
    {
        char kb[ARTICLE_DATE_KEY_LEN + 1], ke[ARTICLE_DATE_KEY_LEN + 1];
        check(b, DATE_RANGE_START, kb);
        check(e, DATE_RANGE_END, ke);
        if (!b.empty() && !e.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, kb, ke);
        if (!e.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, ke);
        // "date:.." is every dated article: keys are digits, so all are >= "0"
        return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, b.empty() ? "0" : kb);
    }

  private:
    void check(const std::string &v, article_date_mode mode, char *key)
    {
        if (!v.empty() && article_date_key(v.data(), v.size(), mode, key) < 0)
            throw Xapian::QueryParserError(str + "'" + v +
                                           "' is not a date: use YYYY, YYYY-MM, YYYY-MM-DD "
                                           "or YYYY-MM-DDThh:mm[:ss]");
    }
};

void set_parser(shim_db *s, const shim_query *q, Xapian::QueryParser &qp)
{
    qp.set_database(s->db());
    qp.set_stemmer(s->stem);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_OR);
    if (q->text_prefix)
        qp.add_prefix(q->text_prefix, q->text_term_prefix);
    for (size_t i = 0; i < q->nfilters; i++) {
        std::string group = q->filters[i].field;
        qp.add_boolean_prefix(q->filters[i].name,
                              (new FilterProcessor(q->filters[i].field))->release(), &group);
    }
    if (q->range_name)
        qp.add_rangeprocessor(
            (new DateRangeProcessor(q->range_slot, q->range_name))->release());
}

void set_ranking(const shim_query *q, Xapian::Enquire &enq)
{
    const shim_weight *w = q->weight;
    if (w->scheme == SHIM_WEIGHT_BOOL)
        enq.set_weighting_scheme(Xapian::BoolWeight());
    else if (w->scheme == SHIM_WEIGHT_INEB2)
        enq.set_weighting_scheme(Xapian::IneB2Weight(w->c));
    else
        enq.set_weighting_scheme(Xapian::BM25Weight(w->k1, w->k2, w->k3, w->b, w->min_normlen));
    if (q->sort != SHIM_SORT_RELEVANCE) {
        auto *keys = new Xapian::MultiValueKeyMaker();
        // Empty values (no date) must sort last both ways: as "\xff" going up; going
        // down an empty value is already the smallest, so it comes last.
        if (q->sort == SHIM_SORT_VALUE_ASC)
            keys->add_value(q->range_slot, false, "\xff");
        else
            keys->add_value(q->range_slot, true, "");
        enq.set_sort_by_key(keys->release(), false);
    }
}

/* Whether the search takes rank.h's fast path: IneB2 by relevance on a read-only handle
 * (a writable one sees uncommitted documents, whose lengths the table would miss). */
bool fast_ineb2(const shim_db *s, const shim_query *q)
{
    return q->weight->scheme == SHIM_WEIGHT_INEB2 && !q->weight->xapian_lengths &&
           q->sort == SHIM_SORT_RELEVANCE && !s->writable;
}

/* Reads each hit's summary value and, when asked or when it has none, its data, in order
 * of document id rather than of rank: Xapian's B-tree cursors keep the blocks they last
 * read, so neighbouring ids share branch blocks instead of reading them again (a hit's
 * data took 1.42 block reads in rank order on Reuters, 1.17 in id order: doc/snippets.md).
 * With every hit's data asked for (snippets) and the handle's records preloaded for its
 * revision (records.h), the data comes from memory instead; or, when the table holds what
 * shim_keep made of the records, that comes instead of the data for hits whose summary
 * value is not empty (the others need their record for their summary). */
void fetch_hits(shim_db *s, const shim_query *q, shim_mset *m)
{
    size_t n = m->mset.size();
    std::vector<std::pair<Xapian::docid, size_t>> order;
    order.reserve(n);
    m->data.assign(n, std::string());
    m->record.assign(n, {nullptr, 0});
    m->kept.assign(n, {nullptr, 0});
    m->values.assign(n, std::string());
    m->scores.clear();
    m->records.reset();
    if (q->fetch_data == SHIM_DATA_ALL && !s->writable)
        m->records = s->preload.current(s->path, s->db());
    for (Xapian::MSetIterator it = m->mset.begin(); it != m->mset.end(); ++it) {
        order.emplace_back(*it, order.size());
        m->scores.push_back(it.get_weight());
    }
    std::sort(order.begin(), order.end());
    for (const auto &o : order) {
        Xapian::Document doc = m->mset[Xapian::doccount(o.second)].get_document();
        m->values[o.second] = doc.get_value(q->summary_slot);
        bool fetch = q->fetch_data == SHIM_DATA_ALL || m->values[o.second].empty();
        auto &rec = m->record[o.second];
        const trawl_records::Table *table = m->records.get();
        // kept bytes stand in for the record only where the summary needs no record
        bool held = fetch && table && (!table->kept || !m->values[o.second].empty());
        auto &slot = held && table->kept ? m->kept[o.second] : rec;
        if (held && table->get(o.first, &slot.first, &slot.second)) {
            s->preload_served++;
        } else if (fetch) {
            m->data[o.second] = doc.get_data();
            rec = {m->data[o.second].data(), m->data[o.second].size()};
        }
    }
}

void run_search(shim_db *s, const shim_query *q, shim_mset *m)
{
    Xapian::QueryParser qp;
    set_parser(s, q, qp);
    if (q->nstopwords && (q->stopwords != s->stop_words || q->nstopwords != s->nstop_words)) {
        s->stopper.reset(new Xapian::SimpleStopper(q->stopwords, q->stopwords + q->nstopwords));
        s->stop_words = q->stopwords;
        s->nstop_words = q->nstopwords;
    }
    if (q->nstopwords)
        qp.set_stopper(s->stopper.get()); // a query of stop words only keeps them (Xapian does)
    m->query = qp.parse_query(q->query, q->parse_flags);
    m->enquire = Xapian::Enquire(s->db());
    if (fast_ineb2(s, q)) {
        s->doclens.refresh(s->db());
        m->enquire.set_query(
            trawl_rank::rewrite_ineb2(m->query, s->db(), q->weight->c, s->doclens));
    } else {
        m->enquire.set_query(m->query);
    }
    set_ranking(q, m->enquire);
    m->mset = m->enquire.get_mset(q->offset, q->limit, q->offset + q->limit);
    m->enquire.set_query(m->query); // MSet::snippet reads the query's terms from here
    fetch_hits(s, q, m);
}

} // namespace

extern "C" {

trawl_status shim_open(const char *path, int writable, shim_db **out, char **errmsg)
{
    shim_db *s = nullptr;
    *out = nullptr;
    *errmsg = nullptr;
    try {
        s = new shim_db;
        s->path = path;
        s->writable = writable != 0;
        if (s->writable)
            s->wdb = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN);
        else
            s->rdb = Xapian::Database(path);
        s->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        *out = s;
        return TRAWL_OK;
    } catch (...) {
        std::string msg;
        trawl_status st = map_exception(&msg, path);
        delete s;
        try {
            *errmsg = dup_string(msg);
        } catch (...) {
        }
        return st;
    }
}

trawl_status shim_builder_new(const char *language, shim_db **out, char **errmsg)
{
    shim_db *s = nullptr;
    *out = nullptr;
    *errmsg = nullptr;
    try {
        s = new shim_db;
        s->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        trawl_status st = shim_set_stemmer(s, language);
        if (st != TRAWL_OK) {
            *errmsg = dup_string(s->err);
            delete s;
            return st == TRAWL_ENOMEM ? st : TRAWL_EINVAL;
        }
        // The memo remembers the stems of recent words: a news corpus repeats its words,
        // and stemming was a third of index_text's time. The stems are the same.
        s->tg.set_stemmer(s->snippet_stem);
        *out = s;
        return TRAWL_OK;
    } catch (...) {
        std::string msg;
        trawl_status st = map_exception(&msg, "");
        delete s;
        try {
            *errmsg = dup_string(msg);
        } catch (...) {
        }
        return st;
    }
}

void shim_close(shim_db *s)
{
    if (!s)
        return;
    try {
        s->db().close();
    } catch (...) {
    }
    delete s;
}

const char *shim_errmsg(const shim_db *s)
{
    return s ? s->err.c_str() : "";
}

trawl_status shim_set_stemmer(shim_db *s, const char *language)
{
    try {
        Xapian::Stem stem(language);
        Xapian::Stem memo = stem.is_none() ? stem : Xapian::Stem(new MemoStem(stem));
        s->stem = stem;
        s->snippet_stem = memo;
        // The scan's prefilter (PREFILTER_BYTES) knows the ways of English stemmers only;
        // for other languages every word is stemmed.
        s->prefilter = stem.is_none() || std::strcmp(language, "english") == 0 ||
                       std::strcmp(language, "en") == 0 || std::strcmp(language, "porter") == 0;
        s->tg.set_stemmer(s->stem);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_get_metadata(shim_db *s, const char *key, char **out)
{
    *out = nullptr;
    try {
        std::string v;
        retrying(s, [&] { v = s->db().get_metadata(key); });
        *out = dup_string(v);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_set_metadata(shim_db *s, const char *key, const char *value)
{
    try {
        s->wdb.set_metadata(key, value);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_doccount(shim_db *s, uint64_t *out)
{
    try {
        *out = s->db().get_doccount();
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_revision(shim_db *s, uint64_t *out)
{
    try {
        *out = s->db().get_revision();
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_count_terms(shim_db *s, uint64_t *out)
{
    try {
        Xapian::rev rev = s->db().get_revision();
        if (!s->terms_cached || rev != s->terms_rev || s->writable) {
            uint64_t n = 0;
            retrying(s, [&] {
                n = 0;
                for (auto t = s->db().allterms_begin(); t != s->db().allterms_end(); ++t)
                    n++;
            });
            s->terms = n;
            s->terms_rev = rev;
            s->terms_cached = true;
        }
        *out = s->terms;
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_commit(shim_db *s)
{
    try {
        s->wdb.commit();
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_reopen(shim_db *s, int *changed)
{
    try {
        int moved = s->db().reopen() ? 1 : 0;
        if (changed)
            *changed = moved;
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_set_preload(shim_db *s, size_t bytes, const shim_keep *keep)
{
    try {
        s->preload.set_limit(bytes, keep); // fetch_hits uses it for read-only handles only
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

size_t shim_preload_wait(shim_db *s, uint64_t *served, int *kept)
{
    *served = s->preload_served;
    try {
        s->preload.wait();
    } catch (...) { // joining failed: nothing was taken
    }
    *kept = s->preload.kept();
    return s->preload.held();
}

trawl_status shim_doc_new(shim_db *s, shim_doc **out)
{
    *out = nullptr;
    try {
        shim_doc *d = new shim_doc;
        s->tg.set_document(d->doc);
        s->tg.set_termpos(0);
        *out = d;
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

void shim_doc_free(shim_doc *d)
{
    delete d;
}

trawl_status shim_doc_index_text(shim_db *s, shim_doc *d, const char *text, unsigned wdf_inc,
                                 const char *prefix)
{
    try {
        s->tg.set_document(d->doc); // the generator keeps its term position across calls
        s->tg.index_text(text, wdf_inc, prefix);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_doc_increase_termpos(shim_db *s, shim_doc *d, unsigned delta)
{
    try {
        (void)d;
        s->tg.increase_termpos(delta);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_doc_add_boolean_term(shim_db *s, shim_doc *d, const char *term)
{
    try {
        d->doc.add_boolean_term(term);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_doc_set_value(shim_db *s, shim_doc *d, unsigned slot, const char *value)
{
    try {
        d->doc.add_value(slot, value);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_doc_set_value_bytes(shim_db *s, shim_doc *d, unsigned slot, const void *value,
                                      size_t len)
{
    try {
        d->doc.add_value(slot, std::string(static_cast<const char *>(value), len));
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_doc_set_data(shim_db *s, shim_doc *d, const void *data, size_t len)
{
    try {
        d->doc.set_data(std::string(static_cast<const char *>(data), len));
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_doc_done(shim_db *s, shim_doc *d)
{
    try {
        (void)d;
        s->tg.set_document(s->no_doc); // drops the generator's reference to d's contents
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_get_data(shim_db *s, const char *idterm, void **data, size_t *len)
{
    *data = nullptr;
    *len = 0;
    try {
        bool found = false;
        std::string v;
        retrying(s, [&] {
            Xapian::Database &db = s->db();
            Xapian::PostingIterator p = db.postlist_begin(idterm);
            found = p != db.postlist_end(idterm);
            if (found)
                v = db.get_document(*p).get_data();
        });
        if (!found) {
            s->err = "no such document";
            return TRAWL_ENOTFOUND;
        }
        *data = dup_bytes(v);
        *len = v.size();
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_put(shim_db *s, const char *idterm, shim_doc *d, void **old, size_t *oldlen)
{
    *old = nullptr;
    *oldlen = 0;
    try {
        // get_termfreq is much cheaper than opening a postlist on a database with
        // pending changes, and a new id (the common case when indexing) needs no more.
        if (s->wdb.get_termfreq(idterm) == 0) {
            s->wdb.add_document(d->doc);
            return TRAWL_OK;
        }
        Xapian::docid id = *s->wdb.postlist_begin(idterm);
        std::string v = s->wdb.get_document(id).get_data();
        void *copy = dup_bytes(v);
        try {
            s->wdb.replace_document(id, d->doc);
        } catch (...) {
            std::free(copy);
            throw;
        }
        *old = copy;
        *oldlen = v.size();
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_delete(shim_db *s, const char *idterm)
{
    try {
        if (s->wdb.postlist_begin(idterm) == s->wdb.postlist_end(idterm)) {
            s->err = "no such document";
            return TRAWL_ENOTFOUND;
        }
        s->wdb.delete_document(idterm);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_search(shim_db *s, const shim_query *q, shim_mset **out)
{
    shim_mset *m = nullptr;
    *out = nullptr;
    try {
        m = new shim_mset(s->db());
        m->stem = s->snippet_stem;
        retrying(s, [&] { run_search(s, q, m); });
        *out = m;
        return TRAWL_OK;
    } catch (...) {
        delete m;
        return fail(s);
    }
}

void shim_mset_free(shim_mset *m)
{
    delete m;
}

size_t shim_mset_size(const shim_mset *m)
{
    return m->data.size();
}

uint64_t shim_mset_total(const shim_mset *m)
{
    return m->mset.get_matches_estimated();
}

double shim_mset_score(const shim_mset *m, size_t i)
{
    return i < m->scores.size() ? m->scores[i] : 0.0;
}

const void *shim_mset_data(const shim_mset *m, size_t i, size_t *len)
{
    *len = m->record[i].second;
    return m->record[i].first;
}

const void *shim_mset_kept(const shim_mset *m, size_t i, size_t *len)
{
    *len = m->kept[i].second;
    return m->kept[i].first;
}

const void *shim_mset_value(const shim_mset *m, size_t i, size_t *len)
{
    *len = m->values[i].size();
    return m->values[i].data();
}

trawl_status shim_mset_term(shim_db *s, const shim_mset *m, size_t i, const char *prefix,
                            char **out)
{
    *out = nullptr;
    try {
        std::string term;
        Xapian::docid id = *(m->mset[Xapian::doccount(i)]);
        Xapian::TermIterator t = s->db().termlist_begin(id);
        t.skip_to(prefix);
        if (t != s->db().termlist_end(id) && (*t).compare(0, std::strlen(prefix), prefix) == 0)
            term = *t;
        *out = dup_string(term);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

/* The pattern of a wildcard query. Xapian 1.4 has no accessor for it, so it is read from
 * the description, "Query(WILDCARD <combiner> <pattern>)", whose last word it is. */
static std::string wildcard_pattern(const Xapian::Query &q)
{
    std::string d = q.get_description();
    size_t sp = d.rfind(' ');
    if (sp == std::string::npos || d.size() < sp + 3 || d.back() != ')')
        return std::string();
    return d.substr(sp + 1, d.size() - sp - 2);
}

/* Gathers the terms, the phrases of terms and the wildcard patterns of q as MSet::snippet
 * does (check_query in Xapian's termgenerator_internal.cc): phrases whose parts are all
 * terms, and every other term. */
static void gather(const Xapian::Query &q, std::vector<std::string> &terms,
                   std::vector<std::vector<std::string>> &phrases,
                   std::vector<std::string> &wildcards)
{
    size_t n = q.get_num_subqueries();
    if (q.get_type() == Xapian::Query::LEAF_TERM) {
        terms.push_back(*q.get_terms_begin());
        return;
    }
    if (q.get_type() == Xapian::Query::OP_WILDCARD) {
        wildcards.push_back(wildcard_pattern(q));
        return;
    }
    if (q.get_type() == Xapian::Query::OP_PHRASE) {
        std::vector<std::string> words;
        for (size_t i = 0; i < n; i++) {
            Xapian::Query sub = q.get_subquery(i);
            if (sub.get_type() != Xapian::Query::LEAF_TERM)
                break;
            words.push_back(*sub.get_terms_begin());
        }
        if (words.size() == n && n > 0) {
            phrases.push_back(words);
            return;
        }
    }
    for (size_t i = 0; i < n; i++)
        gather(q.get_subquery(i), terms, phrases, wildcards);
}

/* The word a term matches in text: the term itself, or the stem of a stemmed ("Z") term;
 * "" for a term with a field prefix (upper case), which snippets never match. */
static std::string word_of(const std::string &term)
{
    auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    if (term.size() > 1 && term[0] == 'Z' && !upper(term[1]))
        return term.substr(1);
    return term.empty() || upper(term[0]) ? std::string() : term;
}

/* The weight of term t in the mset's statistics (MSet::get_termweight); false when it has
 * none. */
static bool termweight(const shim_mset *m, const std::string &t, double *w)
{
    try {
        *w = m->mset.get_termweight(t);
        return true;
    } catch (const Xapian::InvalidArgumentError &) {
        *w = 0;
        return false;
    }
}

/* How many first bytes of a word the raw prefilter (may_match_raw) compares with the
 * words sought before the word is lower-cased; may_match then compares the lower-cased
 * word with the whole start of each (starts_of). */
static const size_t PREFILTER_BYTES = 2;

/* What a word must start with to match w, a word the query seeks: for a stem (of a "Z"
 * term), the stem without its last character, or its first PREFILTER_BYTES bytes when
 * that is longer (an English stem keeps its word's letters but the last: "using" -> "use",
 * "trying" -> "tri", "rated" -> "rate", "happy" -> "happi"; tests/engine/
 * test_snippet_quality checks it over every word of the Reuters corpus); for an exact
 * term, a phrase's word or a wildcard's pattern, all of w. */
static std::string start_of(const std::string &w, bool stem)
{
    if (!stem)
        return w;
    size_t k = w.size();
    if (k > 0)
        for (k--; k > 0 && (static_cast<unsigned char>(w[k]) & 0xC0) == 0x80; k--)
            ; // back to the start of the last character
    return w.substr(0, std::max(k, std::min(w.size(), PREFILTER_BYTES)));
}

/* Every start (start_of) a match of w may have: English stems have three words that
 * start otherwise, dying, lying and tying ("die", "lie", "tie"). */
static std::vector<std::string> starts_of(const std::string &w, bool stem)
{
    std::vector<std::string> v{start_of(w, stem)};
    if (stem && (w == "die" || w == "lie" || w == "tie"))
        v.push_back(std::string(1, w[0]) + "y");
    return v;
}

/* Fills the mset's probes: loose terms weighted as MSet::snippet weighs them (the term's
 * weight plus the largest), phrases as the largest times their length. */
static void make_probes(shim_mset *m)
{
    std::vector<std::string> terms, all;
    std::vector<std::vector<std::string>> phrases;
    std::vector<std::string> wildcards;
    double max_tw = 0, min_tw = 0, w;
    bool any = false;
    gather(m->query, terms, phrases, wildcards);
    // The largest and smallest non-zero weight of the query's terms, loose or in phrases
    // (Weight::Internal::get_max_termweight; it also sees the terms that wildcards expand
    // to, which are not known here: see doc/snippets.md).
    all = terms;
    for (const auto &p : phrases)
        all.insert(all.end(), p.begin(), p.end());
    for (const auto &t : all) {
        if (!termweight(m, t, &w) || w == 0)
            continue;
        max_tw = any ? std::max(max_tw, w) : w;
        min_tw = any ? std::min(min_tw, w) : w;
        any = true;
    }
    max_tw = max_tw == 0 ? 1.0 : max_tw * 1.015625; // as MSet::snippet does
    m->pairs.assign(65536 / 64, 0);
    for (unsigned c = 0x80; c < 256; c++)
        m->first_byte[c] = true; // a non-ASCII letter: looked at closer
    auto start = [m](const std::string &st) {
        unsigned char c = static_cast<unsigned char>(st[0]);
        m->starts.push_back(st);
        m->first_byte[c] = true;
        if (c >= 'a' && c <= 'z')
            m->first_byte[c & ~0x20] = true;
        unsigned a = static_cast<unsigned char>(st[0]) << 8;
        if (st.size() == 1) { // a one-letter start: any second byte, the pair's whole row
            for (unsigned k = 0; k < 256 / 64; k++)
                m->pairs[a / 64 + k] = ~uint64_t(0);
        } else {
            unsigned b = a | static_cast<unsigned char>(st[1]);
            m->pairs[b / 64] |= uint64_t(1) << (b % 64);
        }
    };
    auto sought = [start](const std::string &w, bool stem) {
        if (!w.empty())
            for (const auto &st : starts_of(w, stem))
                start(st);
    };
    for (const auto &t : terms) {
        if (word_of(t).empty() || m->loose.count(t) || !termweight(m, t, &w))
            continue; /* MSet::snippet matches no term it has no weight for */
        m->loose[t] = m->weights.size();
        m->weights.push_back(w + max_tw);
        sought(word_of(t), t[0] == 'Z');
    }
    for (const auto &p : phrases) {
        m->phrases.push_back(p);
        m->phrase_probe.push_back(m->weights.size());
        m->weights.push_back(max_tw * double(p.size()));
        for (const auto &w : p)
            sought(w, false);
    }
    for (const auto &w : wildcards) {
        if (word_of(w) != w)
            continue; /* a field's wildcard, or one MSet::snippet could not match */
        m->wildcards.push_back(w);
        m->wildcard_probe.push_back(m->weights.size());
        m->weights.push_back(max_tw + min_tw);
        sought(w, false);
    }
    m->probes_ready = true;
}

/* The character at text[i] (of len bytes): its code point in *ch; returns its length. */
static size_t char_at(const char *text, size_t len, size_t i, unsigned *ch)
{
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
        *ch = c;
        return 1;
    }
    Xapian::Utf8Iterator it; // then assign: GCC sees the members set (no false warning)
    it.assign(text + i, len - i);
    *ch = *it;
    ++it;
    return len - i - it.left();
}

/* Byte classes for the tokeniser's fast path: ASCII word characters (Xapian's
 * is_wordchar: letters, digits and '_'), ASCII characters that may join two words (an
 * infix, or one between digits), and the first bytes of other characters. */
enum { BYTE_WORD = 1, BYTE_DIGIT = 2, BYTE_JOINER = 4, BYTE_HIGH = 8, BYTE_SUFFIX = 16 };

struct byte_classes {
    unsigned char c[256];
    constexpr byte_classes() : c()
    {
        for (unsigned b = 0; b < 256; b++) {
            bool digit = b >= '0' && b <= '9';
            bool letter = (b | 0x20) >= 'a' && (b | 0x20) <= 'z';
            c[b] = static_cast<unsigned char>(
                (digit || letter || b == '_' ? BYTE_WORD : 0) | (digit ? BYTE_DIGIT : 0) |
                (b == '\'' || b == '&' || b == ',' || b == '.' || b == ';' ? BYTE_JOINER : 0) |
                (b >= 0x80 ? BYTE_HIGH : 0) | (b == '+' || b == '#' ? BYTE_SUFFIX : 0));
        }
    }
};
static constexpr byte_classes byte_class;

static bool ascii_word(unsigned char c)
{
    return byte_class.c[c] & BYTE_WORD;
}

static bool ascii_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

/* Whether the character at text[i] is a word character (false at the end). */
static bool word_char_at(const char *text, size_t len, size_t i)
{
    unsigned ch;
    if (i >= len)
        return false;
    if (static_cast<unsigned char>(text[i]) < 0x80)
        return ascii_word(static_cast<unsigned char>(text[i]));
    char_at(text, len, i, &ch);
    return Xapian::Unicode::is_wordchar(ch);
}

static bool is_digit(unsigned ch)
{
    return ch < 0x80 ? ch >= '0' && ch <= '9'
                     : Xapian::Unicode::get_category(ch) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER;
}

static const unsigned IGNORED = 0xFFFFFFFF; // an infix that is dropped from the word

static bool ignored(unsigned ch)
{
    return ch >= 0x200b && (ch <= 0x200d || ch == 0x2060 || ch == 0xfeff);
}

/* The character that joins two words into one when between them, as in "don't" and
 * "AT&T" (check_infix in Xapian's termgenerator_internal.cc), IGNORED, or 0. */
static unsigned infix(unsigned ch)
{
    if (ch == '\'' || ch == '&' || ch == 0xb7 || ch == 0x5f4 || ch == 0x2027)
        return ch;
    if (ch == 0x2019 || ch == 0x201b)
        return '\'';
    return ignored(ch) ? IGNORED : 0;
}

/* The same between two digits, as in "1,000" and "3.5" (check_infix_digit). */
static unsigned infix_digit(unsigned ch)
{
    switch (ch) {
    case ',': case '.': case ';': case 0x037e: case 0x0589: case 0x060d: case 0x07f8:
    case 0x2044: case 0xfe10: case 0xfe13: case 0xfe14:
        return ch;
    }
    return ignored(ch) ? IGNORED : 0;
}

/* A word of the text as Xapian's tokeniser (parse_terms) reads it: text[begin, core) gives
 * its term, and it ends at `end` (after any "+" or "#" suffixes, which only count as part
 * of the term in "C++" and "C#" form). An acronym ("U.S.") has its dots dropped. */
struct token {
    size_t begin, core, end;
    bool acronym;
};

/* An acronym at text[i] (an upper-case ASCII letter): letters joined by dots and not
 * followed by a word character, as "U.S."; fills t and returns true if so. */
static bool acronym(const char *text, size_t len, size_t i, token &t)
{
    size_t p = i;
    auto upper = [text](size_t k) { return ascii_upper(static_cast<unsigned char>(text[k])); };
    if (i + 2 >= len || text[i + 1] != '.' || !upper(i + 2))
        return false;
    do
        p++;
    while (p < len && text[p] == '.' && ++p < len && upper(p));
    if (word_char_at(text, len, p))
        return false;
    t = token{i, p, p, true};
    return true;
}

/* After a word's last character, at text[i]: its "+" and "#" suffixes. */
static void suffixes(const char *text, size_t len, size_t i, token &t)
{
    unsigned count = 0;
    t.core = i;
    while (i < len && (text[i] == '+' || text[i] == '#')) {
        if (++count > 3) {
            t.end = i; // four or more: none is the term's, three are skipped
            return;
        }
        if (++i == len) {
            t.core = t.end = len;
            return;
        }
    }
    if (count && !word_char_at(text, len, i))
        t.core = i;
    t.end = i;
}

/* Whether the word character before text[i] (a word ends there) is a digit. */
static bool digit_before(const char *text, size_t i)
{
    unsigned ch;
    size_t b = i - 1;
    if (!(byte_class.c[static_cast<unsigned char>(text[b])] & BYTE_HIGH))
        return byte_class.c[static_cast<unsigned char>(text[b])] & BYTE_DIGIT;
    while (b > 0 && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80)
        b--;
    char_at(text, i, b, &ch);
    return is_digit(ch);
}

/* Reads the next word from text[i] on into t; false when there is none. ASCII goes fast;
 * other characters are decoded and classified by Xapian::Unicode. */
static bool next_token(const char *text, size_t len, size_t i, token &t)
{
    unsigned ch, next;
    for (; i < len; i++) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (byte_class.c[c] & BYTE_WORD)
            break;
        if (byte_class.c[c] & BYTE_HIGH) {
            if (word_char_at(text, len, i))
                break;
            i += char_at(text, len, i, &ch) - 1;
        }
    }
    if (i >= len)
        return false;
    if (ascii_upper(static_cast<unsigned char>(text[i])) && acronym(text, len, i, t))
        return true;
    t = token{i, i, i, false};
    for (;;) {
        for (;;) {
            while (i < len && (byte_class.c[static_cast<unsigned char>(text[i])] & BYTE_WORD))
                i++;
            if (i >= len || !(byte_class.c[static_cast<unsigned char>(text[i])] & BYTE_HIGH))
                break;
            size_t n = char_at(text, len, i, &ch);
            if (!Xapian::Unicode::is_wordchar(ch))
                break;
            i += n;
        }
        if (i >= len) {
            t.core = t.end = len;
            return true;
        }
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (!(byte_class.c[c] & (BYTE_JOINER | BYTE_HIGH)))
            break; /* the common case: a space or punctuation that joins nothing */
        size_t n = char_at(text, len, i, &ch);
        if (!word_char_at(text, len, i + n))
            break;
        char_at(text, len, i + n, &next);
        if (!(digit_before(text, i) && is_digit(next) ? infix_digit(ch) : infix(ch)))
            break;
        i += n;
    }
    suffixes(text, len, i, t);
    return true;
}

/* Whether the ASCII word text[s, e) simply ends at text[e] (e < len), as next_token would
 * end it: no suffix ("+", "#"), no non-ASCII character, no joiner that joins ("'" or "&"
 * before a word character; ",", "." or ";" between digits), and no acronym ("U.S."). */
static inline bool plain_word_end(const char *text, size_t len, size_t s, size_t e)
{
    unsigned char c = static_cast<unsigned char>(text[e]);
    if (!(byte_class.c[c] & (BYTE_JOINER | BYTE_HIGH | BYTE_SUFFIX)))
        return true; // white space or punctuation that joins nothing: nearly every word
    unsigned char next = e + 1 < len ? static_cast<unsigned char>(text[e + 1]) : 0;
    if (c == '+' || c == '#')
        return false;
    if (c >= 0x80 || next >= 0x80)
        return false;
    if (c == '\'' || c == '&')
        return !ascii_word(next);
    if (c == '.' && e == s + 1 && ascii_upper(static_cast<unsigned char>(text[s])))
        return false; // may be an acronym
    return !((byte_class.c[static_cast<unsigned char>(text[e - 1])] & BYTE_DIGIT) &&
             (byte_class.c[next] & BYTE_DIGIT));
}

/* Where the run of ASCII word bytes and bytes >= 0x80 that goes on into mask word j ends:
 * its first position that is neither (the masks' bits past the text are 0). */
static size_t run_end(const snippet_masks *mk, size_t j)
{
    for (; j < mk->nmask; j++)
        if (uint64_t v = ~(mk->word[j] | mk->high[j]))
            return 64 * j + size_t(__builtin_ctzll(v));
    return 64 * mk->nmask;
}

/* The tokens of a text, read as next_token reads them but faster for the common case, 64
 * bytes at a time: the text's masks (snippet_index) give the runs of ASCII word bytes and
 * bytes >= 0x80, and a run of ASCII word bytes that ends plainly (plain_word_end) is a token
 * as it stands, found with two counts of zeros and no branch per byte. A run that holds a
 * byte >= 0x80 or meets anything else (a joining character such as "'" or "." after it,
 * "+" or "#") is read by next_token from the run's start, which gives the same token from
 * any position before the word that only ASCII non-word bytes separate from it. Calls
 * emit(token) for each token in order, except that a plain word within a block (the
 * common case) goes to emit_plain(begin, end) instead, which stands for
 * emit(token{begin, end, end, false}); either returns false to stop. */
extern "C++" { // a template, inside the shim's extern "C" block
template <class Emit, class EmitPlain>
static inline __attribute__((always_inline)) void
scan_tokens(const char *text, size_t len, const snippet_masks *mk, Emit emit, EmitPlain emit_plain)
{
    const uint64_t *W = mk->word, *H = mk->high;
    size_t n = mk->nmask, i = 0; // i: where the last token ended (nothing before it is left)
    uint64_t carry = 0;          // the last byte of the block before is in a run
    for (size_t j = 0; j < n && i < len; j++) {
        uint64_t run = W[j] | H[j], base = 64 * j;
        uint64_t starts = run & ~((run << 1) | carry);
        carry = run >> 63;
        if (i >= base + 64)
            continue;
        if (i >= base) { // the last token ended in this block, maybe inside a run
            unsigned k = unsigned(i - base);
            starts &= ~uint64_t(0) << k;
            starts |= run & (uint64_t(1) << k);
        }
        while (starts) {
            size_t s = base + size_t(__builtin_ctzll(starts));
            if (s >= len)
                return;
            uint64_t after = ~run & (~uint64_t(0) << (s - base));
            size_t e = after ? base + size_t(__builtin_ctzll(after)) : run_end(mk, j + 1);
            if (e > len)
                e = len;
            bool high = after ? H[j] && (H[j] & ~(~uint64_t(0) << (e - base)) &
                                         (~uint64_t(0) << (s - base)))
                              : snippet_next_bit(mk, H, nullptr, 0, s) < e;
            bool plain = !high && (e >= len || plain_word_end(text, len, s, e));
            if (plain && after) {
                // the common case: a plain word within the block, ending at its run's end
                if (!emit_plain(s, e))
                    return;
                i = e;
                starts &= starts - 1;
                continue;
            }
            token t{s, e, e, false};
            if (!plain && !next_token(text, len, s, t))
                return; // no word in the rest of the text (only non-word characters)
            if (!emit(t))
                return;
            i = t.end;
            if (i >= base + 64)
                break; // the outer loop skips to i's block (carry is still right there:
                       // it is recomputed from each block it passes)
            starts &= ~uint64_t(0) << (i - base);
            starts |= run & (uint64_t(1) << (i - base));
        }
    }
}

/* scan_tokens with every token given to emit. */
template <class Emit>
static void scan_tokens(const char *text, size_t len, const snippet_masks *mk, Emit emit)
{
    scan_tokens(text, len, mk, emit, [&](size_t s, size_t e) { return emit(token{s, e, e, false}); });
}
} // extern "C++"

/* The term of token t, lower-cased into w, as Xapian's tokeniser makes it. */
static void token_term(const char *text, const token &t, std::string &w)
{
    unsigned ch;
    w.clear();
    for (size_t b = t.begin; b < t.core;) {
        unsigned char c = static_cast<unsigned char>(text[b]);
        if (c < 0x80) {
            if (!(t.acronym && c == '.'))
                w += static_cast<char>(ascii_upper(c) ? c | 0x20 : c);
            b++;
            continue;
        }
        b += char_at(text, t.core, b, &ch);
        unsigned in = infix(ch);
        if (in == IGNORED)
            continue;
        if (in == '\'')
            w += '\'';
        else
            Xapian::Unicode::append_utf8(w, Xapian::Unicode::tolower(ch));
    }
}

/* Whether the word at w (n bytes) may match: its first bytes, lower-cased, begin a sought
 * word. A non-ASCII byte among them may: the caller looks closer. */
static bool may_match_raw(const shim_mset *m, const char *w, size_t n)
{
    unsigned a = static_cast<unsigned char>(w[0]), b = n > 1 ? static_cast<unsigned char>(w[1]) : 0;
    if (a >= 0x80 || b >= 0x80)
        return true;
    unsigned k = ((ascii_upper(a) ? a | 0x20 : a) << 8) | (ascii_upper(b) ? b | 0x20 : b);
    return (m->pairs[k / 64] >> (k % 64)) & 1;
}

/* Whether the lower-cased word w may match: it starts as a sought word's matches start
 * (start_of). Most words fail here, cheaply, and are never stemmed. */
static bool may_match(const shim_mset *m, const std::string &w)
{
    for (const auto &st : m->starts)
        if (w.compare(0, st.size(), st) == 0)
            return true;
    return false;
}

/* The probe that word w, preceded by the words in `last` (most recent at the back),
 * matches, or SIZE_MAX; *first is set to how many words back the match starts (0 for one
 * word). */
static size_t probe_of(shim_db *s, const shim_mset *m, const std::string &w,
                       const std::vector<std::string> &last, size_t *first)
{
    *first = 0;
    for (size_t p = 0; p < m->phrases.size(); p++) {
        const auto &ph = m->phrases[p];
        if (ph.back() != w || ph.size() - 1 > last.size())
            continue;
        size_t k = 1;
        while (k < ph.size() && ph[ph.size() - 1 - k] == last[last.size() - k])
            k++;
        if (k == ph.size()) {
            *first = k - 1;
            return m->phrase_probe[p];
        }
    }
    auto it = m->loose.find(w);
    if (it == m->loose.end())
        it = m->loose.find("Z" + s->snippet_stem(w));
    if (it != m->loose.end())
        return it->second;
    for (size_t p = 0; p < m->wildcards.size(); p++)
        if (w.compare(0, m->wildcards[p].size(), m->wildcards[p]) == 0)
            return m->wildcard_probe[p];
    return SIZE_MAX;
}

/* Longest term MSet::snippet reads as a word (its max_word_length). */
static const size_t SNIPPET_WORD_MAX = 64;

/* Doubles the room for the scratch's words (realloc keeps those already there). */
static void grow_toks(snippet_scratch *out)
{
    size_t cap = out->captoks ? 2 * out->captoks : 256;
    void *p = std::realloc(out->toks, cap * sizeof *out->toks);
    if (!p)
        throw std::bad_alloc();
    out->toks = static_cast<snippet_tok *>(p);
    out->captoks = cap;
}

trawl_status shim_mset_words(shim_db *s, const shim_mset *cm, const char *text, size_t len,
                             snippet_scratch *out, const double **weights, size_t *nweights)
{
    shim_mset *m = const_cast<shim_mset *>(cm); // the probes are a cache
    out->ntoks = 0;
    try {
        if (len > SNIPPET_TOK_MAX_TEXT)
            throw Xapian::InvalidArgumentError("text too long for a snippet");
        if (!m->probes_ready)
            make_probes(m);
        std::vector<std::string> &last = m->last; // for phrases: the words before
        size_t keep = 0;
        for (const auto &p : m->phrases)
            keep = std::max(keep, p.size() - 1);
        last.clear();
        if (snippet_index(out, text, len) != TRAWL_OK)
            throw std::bad_alloc();
        std::string w;
        const bool prefilter = s->prefilter;
        const bool *first_byte = m->first_byte;
        snippet_tok *toks = out->toks;
        size_t nw = 0, cap = out->captoks;
        auto push = [&](snippet_tok tok) __attribute__((always_inline)) {
            if (nw == cap) {
                grow_toks(out);
                toks = out->toks;
                cap = out->captoks;
            }
            toks[nw++] = tok;
        };
        auto emit = [&](const token &t) __attribute__((always_inline)) {
            size_t first = 0, p = SNIPPET_NO_PROBE;
            bool have_w = false; // w holds the word's term
            if (t.acronym || t.core - t.begin > SNIPPET_WORD_MAX) {
                token_term(text, t, w);
                if (w.size() > SNIPPET_WORD_MAX)
                    return true;
                have_w = true;
            }
            if (have_w || !prefilter ||
                (first_byte[static_cast<unsigned char>(text[t.begin])] &&
                 may_match_raw(m, text + t.begin, t.core - t.begin))) {
                if (!have_w)
                    token_term(text, t, w);
                have_w = true;
                if (!prefilter || may_match(m, w))
                    p = probe_of(s, m, w, last, &first);
                else
                    have_w = false;
            }
            push(p == SNIPPET_NO_PROBE
                     ? snippet_tok{uint32_t(t.end), 0, SNIPPET_NO_MATCH, 0}
                     : snippet_tok{uint32_t(t.end), 0, uint32_t(p), uint32_t(first + 1)});
            if (keep) {
                if (!have_w)
                    w.clear();
                if (last.size() == keep)
                    last.erase(last.begin());
                last.push_back(w);
            }
            return true;
        };
        // A plain ASCII word within a block (most words) whose first byte can begin no
        // sought word, when no phrase needs the words before: what emit would do for it,
        // without its checks (it is no acronym, and shorter than 64 bytes).
        const bool plain_fast = prefilter && !keep;
        auto emit_plain = [&](size_t b, size_t e) __attribute__((always_inline)) {
            if (!plain_fast || first_byte[static_cast<unsigned char>(text[b])])
                return emit(token{b, e, e, false});
            push(snippet_tok{uint32_t(e), 0, SNIPPET_NO_MATCH, 0});
            return true;
        };
        scan_tokens(text, len, &out->masks, emit, emit_plain);
        out->ntoks = nw;
        *weights = m->weights.data();
        *nweights = m->weights.size();
        return TRAWL_OK;
    } catch (...) {
        out->ntoks = 0;
        return fail(s);
    }
}

int shim_stem_starts_hold(shim_db *s, size_t *words, char **bad)
{
    *words = 0;
    *bad = nullptr;
    try {
        const Xapian::Database &db = s->db();
        for (Xapian::TermIterator t = db.allterms_begin(); t != db.allterms_end(); ++t) {
            const std::string word = *t;
            if (word_of(word) != word)
                continue; // a stem ("Z") or a field's term: not a word of the text
            std::string stem = s->stem(word);
            bool ok = false;
            for (const auto &st : starts_of(stem, true))
                ok = ok || word.compare(0, st.size(), st) == 0;
            ++*words;
            if (!ok) {
                *bad = dup_string(word + " -> " + stem);
                return *bad ? 0 : -1;
            }
        }
        return 1;
    } catch (...) {
        fail(s);
        return -1;
    }
}

int shim_tokens_agree(const char *text, size_t len, size_t *where)
{
    snippet_scratch sc = {};
    token a;
    size_t i = 0;
    int agree = 1;
    *where = 0;
    if (snippet_index(&sc, text, len) != TRAWL_OK)
        return -1;
    scan_tokens(text, len, &sc.masks, [&](const token &b) {
        if (!next_token(text, len, i, a) || a.begin != b.begin || a.core != b.core ||
            a.end != b.end || a.acronym != b.acronym) {
            *where = b.begin;
            return agree = 0, false;
        }
        i = a.end;
        return true;
    });
    if (agree && next_token(text, len, i, a)) {
        *where = a.begin;
        agree = 0; /* the scan missed a token at the end */
    }
    snippet_scratch_free(&sc);
    return agree;
}

unsigned shim_char_class(unsigned ch)
{
    using namespace Xapian::Unicode;
    unsigned c = 0;
    category cat = get_category(ch);
    if (is_wordchar(ch))
        c |= SNIPPET_CHAR_WORD;
    if (is_whitespace(ch))
        c |= SNIPPET_CHAR_SPACE;
    // What MSet::snippet keeps before a snippet's first word and after its last
    // (snippet_check_leading_nonwordchar and _trailing_ in termgenerator_internal.cc).
    if (is_currency(ch) || cat == OPEN_PUNCTUATION || cat == INITIAL_QUOTE_PUNCTUATION ||
        (ch < 0x80 && std::strchr("\"#%&'+-/<@\\`~", static_cast<int>(ch)) && ch) ||
        ch == 0xa1 || ch == 0xa7 || ch == 0xbf)
        c |= SNIPPET_CHAR_LEADING;
    if (is_currency(ch) || cat == CLOSE_PUNCTUATION || cat == FINAL_QUOTE_PUNCTUATION ||
        (ch < 0x80 && std::strchr("\"%'+-/>@\\`~", static_cast<int>(ch)) && ch))
        c |= SNIPPET_CHAR_TRAILING;
    return c;
}

trawl_status shim_mset_snippet(shim_db *s, const shim_mset *m, const char *text, size_t bytes,
                               unsigned flags, const char *hi_start, const char *hi_end,
                               const char *omit, char **out)
{
    *out = nullptr;
    try {
        *out = dup_string(
            m->mset.snippet(text, bytes, m->stem, flags, hi_start, hi_end, omit));
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

trawl_status shim_utf8_lower(const char *str, char **out)
{
    *out = nullptr;
    try {
        *out = dup_string(Xapian::Unicode::tolower(str));
        return TRAWL_OK;
    } catch (const std::bad_alloc &) {
        return TRAWL_ENOMEM;
    } catch (...) {
        return TRAWL_EINTERNAL;
    }
}

} // extern "C"

/* ---- merging databases (trawl_db_merge) ------------------------------------------------ */

extern "C" {

trawl_status shim_compact(const char *const *sources, size_t n, const char *dest,
                          char **errmsg)
{
    *errmsg = nullptr;
    try {
        Xapian::Database all;
        for (size_t i = 0; i < n; i++)
            all.add_database(Xapian::Database(sources[i]));
        // Without DBCOMPACT_NO_RENUMBER each source's documents follow the previous
        // source's, so sources with overlapping docid ranges (every new shard starts at 1)
        // merge; user metadata keys found in several sources keep the first source's tag.
        all.compact(dest, Xapian::DBCOMPACT_MULTIPASS);
        return TRAWL_OK;
    } catch (...) {
        std::string msg;
        trawl_status st = map_exception(&msg, "");
        try {
            *errmsg = dup_string(msg);
        } catch (...) {
        }
        return st;
    }
}

trawl_status shim_first_shared_term(shim_db *s, const char *prefix, char **out)
{
    *out = nullptr;
    try {
        std::string found;
        Xapian::Database &db = s->db();
        for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t)
            if (t.get_termfreq() > 1) {
                found = *t;
                break;
            }
        *out = dup_string(found);
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
}

} // extern "C"

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

    Xapian::Database &db() { return writable ? wdb : rdb; }
};

struct shim_doc {
    Xapian::Document doc;
};

struct shim_mset {
    Xapian::Enquire enquire;
    Xapian::MSet mset;
    Xapian::Stem stem;
    std::vector<std::string> data;
    std::vector<bool> have_data; // data[i] was fetched
    std::vector<std::string> values; // each hit's summary value
    std::vector<double> scores;
    // What MSet::snippet looks for, gathered from the query at the first shim_mset_hits.
    bool probes_ready = false;
    std::unordered_map<std::string, size_t> loose; // a term -> its index in weights
    std::vector<std::vector<std::string>> phrases; // tight phrases of terms ...
    std::vector<size_t> phrase_probe;              // ... and their index in weights
    std::vector<std::string> wildcards;            // wildcard patterns ...
    std::vector<size_t> wildcard_probe;            // ... and their index in weights
    std::vector<std::string> starts;               // the first bytes of every word sought
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
    Xapian::Query query = qp.parse_query(q->query, q->parse_flags);
    m->enquire = Xapian::Enquire(s->db());
    m->enquire.set_query(query);
    set_ranking(q, m->enquire);
    m->mset = m->enquire.get_mset(q->offset, q->limit, q->offset + q->limit);
    m->data.clear();
    m->have_data.clear();
    m->values.clear();
    m->scores.clear();
    for (Xapian::MSetIterator it = m->mset.begin(); it != m->mset.end(); ++it) {
        Xapian::Document doc = it.get_document();
        m->values.push_back(doc.get_value(q->summary_slot));
        bool fetch = q->fetch_data == SHIM_DATA_ALL || m->values.back().empty();
        m->data.push_back(fetch ? doc.get_data() : std::string());
        m->have_data.push_back(fetch);
        m->scores.push_back(it.get_weight());
    }
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
    *len = m->have_data[i] ? m->data[i].size() : 0;
    return m->have_data[i] ? m->data[i].data() : nullptr;
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

/* Fills the mset's probes: loose terms weighted as MSet::snippet weighs them (the term's
 * weight plus the largest), phrases as the largest times their length. */
static void make_probes(shim_mset *m)
{
    std::vector<std::string> terms;
    std::vector<std::vector<std::string>> phrases;
    std::vector<std::string> wildcards;
    double max_tw = 0, min_tw = 0;
    gather(m->enquire.get_query(), terms, phrases, wildcards);
    for (size_t i = 0; i < terms.size(); i++) {
        double w = m->mset.get_termweight(terms[i]);
        max_tw = i ? std::max(max_tw, w) : w;
        min_tw = i ? std::min(min_tw, w) : w;
    }
    max_tw = max_tw == 0 ? 1.0 : max_tw * 1.015625; // as MSet::snippet does
    auto sought = [m](const std::string &w) {
        if (!w.empty())
            m->starts.push_back(w.substr(0, 3));
    };
    for (const auto &t : terms) {
        if (word_of(t).empty() || m->loose.count(t))
            continue;
        m->loose[t] = m->weights.size();
        m->weights.push_back(m->mset.get_termweight(t) + max_tw);
        sought(word_of(t));
    }
    for (const auto &p : phrases) {
        m->phrases.push_back(p);
        m->phrase_probe.push_back(m->weights.size());
        m->weights.push_back(max_tw * double(p.size()));
        for (const auto &w : p)
            sought(w);
    }
    for (const auto &w : wildcards) {
        if (word_of(w) != w)
            continue; /* a field's wildcard, or one MSet::snippet could not match */
        m->wildcards.push_back(w);
        m->wildcard_probe.push_back(m->weights.size());
        m->weights.push_back(max_tw + min_tw);
        sought(w);
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

/* Whether the scan counts ch as part of a word (as Xapian's tokeniser does). */
static bool word_char(unsigned ch)
{
    if (ch < 0x80)
        return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z');
    return Xapian::Unicode::is_wordchar(ch);
}

/* The character that joins two words into one when between them, as in "don't" and
 * "AT&T" (Xapian's infixes, the typographic apostrophes read as '), or 0. */
static unsigned infix(unsigned ch)
{
    return ch == '\'' || ch == 0x2019 || ch == 0x201b ? '\'' : ch == '&' ? '&' : 0;
}

static bool ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Where the word starting at text[i] ends: a run of word characters, joined by single
 * infixes. ASCII letters and digits go fast; other characters are decoded. */
static size_t word_end(const char *text, size_t len, size_t i)
{
    unsigned ch;
    for (;;) {
        while (i < len && ascii_alnum(static_cast<unsigned char>(text[i])))
            i++;
        if (i >= len)
            return i;
        size_t n = char_at(text, len, i, &ch);
        if (word_char(ch)) {
            i += n;
            continue;
        }
        if (!infix(ch) || i + n >= len)
            return i;
        char_at(text, len, i + n, &ch);
        if (!word_char(ch))
            return i;
        i += n;
    }
}

/* The word text[b, e) lower-cased into w, its infixes as ' or &. */
static void lower_word(const char *text, size_t b, size_t e, std::string &w)
{
    unsigned ch;
    w.clear();
    while (b < e) {
        unsigned char c = static_cast<unsigned char>(text[b]);
        if (c < 0x80) {
            w += static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
            b++;
            continue;
        }
        b += char_at(text, e, b, &ch);
        if (infix(ch))
            w += static_cast<char>(infix(ch));
        else
            Xapian::Unicode::append_utf8(w, Xapian::Unicode::tolower(ch));
    }
}

/* Whether the word at w (n bytes) may match: its first bytes, lower-cased, begin a sought
 * word. A non-ASCII byte among them may: the caller looks closer. */
static bool may_match_raw(const shim_mset *m, const char *w, size_t n)
{
    for (const auto &st : m->starts) {
        size_t k = 0;
        for (; k < st.size() && k < n; k++) {
            unsigned char c = static_cast<unsigned char>(w[k]);
            if (c >= 0x80)
                return true;
            if ((c >= 'A' && c <= 'Z' ? c | 0x20 : c) != static_cast<unsigned char>(st[k]))
                break;
        }
        if (k == st.size())
            return true;
    }
    return false;
}

/* Whether the lower-cased word w may match: it starts with the first bytes of a sought
 * word. Most words fail here, cheaply, and are never stemmed. */
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

trawl_status shim_mset_hits(shim_db *s, const shim_mset *cm, const char *text, size_t len,
                            snippet_hit **hits, size_t *nhits, const double **weights,
                            size_t *nweights)
{
    shim_mset *m = const_cast<shim_mset *>(cm); // the probes are a cache
    *hits = nullptr;
    *nhits = 0;
    try {
        if (!m->probes_ready)
            make_probes(m);
        std::vector<snippet_hit> found;
        std::vector<std::string> last; // for phrases: the words before, "" for skipped ones
        std::vector<size_t> begins;    // where they begin
        size_t keep = 0;
        for (const auto &p : m->phrases)
            keep = std::max(keep, p.size() - 1);
        std::string w;
        for (size_t i = 0; i < len;) {
            unsigned ch;
            size_t n = char_at(text, len, i, &ch);
            if (!word_char(ch)) {
                i += n;
                continue;
            }
            size_t b = i, first = 0, p = SIZE_MAX;
            i = word_end(text, len, i);
            w.clear();
            if (may_match_raw(m, text + b, i - b)) {
                lower_word(text, b, i, w);
                if (may_match(m, w))
                    p = probe_of(s, m, w, last, &first);
                else
                    w.clear();
            }
            if (p != SIZE_MAX)
                found.push_back(snippet_hit{first ? begins[begins.size() - first] : b, i, p});
            if (keep) {
                if (last.size() == keep) {
                    last.erase(last.begin());
                    begins.erase(begins.begin());
                }
                last.push_back(w);
                begins.push_back(b);
            }
        }
        if (!found.empty()) {
            *hits = static_cast<snippet_hit *>(std::malloc(found.size() * sizeof **hits));
            if (!*hits)
                throw std::bad_alloc();
            std::memcpy(*hits, found.data(), found.size() * sizeof **hits);
        }
        *nhits = found.size();
        *weights = m->weights.data();
        *nweights = m->weights.size();
        return TRAWL_OK;
    } catch (...) {
        return fail(s);
    }
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

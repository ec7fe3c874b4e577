/*
 * rank.cc: the fast path of trawl's default ranking (see rank.h for why and what): a table
 * of document lengths per database revision, an IneB2 PostingSource that reads it, and the
 * query rewrite that puts the sources in place of weighted terms. Part of the Xapian shim:
 * called only from engine/xapian.cc, inside its try/catch.
 */
#include "rank.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <queue>

namespace trawl_rank {

void DocLengths::refresh(const Xapian::Database &db)
{
    Xapian::rev r = db.get_revision();
    std::string u = db.get_uuid();
    if (built && r == rev && u == uuid)
        return;
    built = false;
    lens.assign(static_cast<size_t>(db.get_lastdocid()) + 1, 0);
    // The all-documents list walks the length list in order: ~50 ns a document.
    for (Xapian::PostingIterator it = db.postlist_begin(std::string()),
                                 end = db.postlist_end(std::string());
         it != end; ++it)
        lens[*it] = it.get_doclength();
    rev = r;
    uuid.swap(u);
    norms_for = 0;
    built = true;
}

const std::vector<double> &DocLengths::norms(double c_avlen)
{
    if (norms_for == c_avlen && norms_.size() == lens.size())
        return norms_;
    norms_.assign(lens.size(), 0.0);
    for (size_t d = 0; d < lens.size(); d++)
        if (lens[d])
            norms_[d] = std::log2(1 + c_avlen / lens[d]); // as IneB2Weight::get_sumpart
    norms_for = c_avlen;
    return norms_;
}

namespace {

/* IneB2's constants for one term (or synonym) as Xapian's IneB2Weight::init computes them
 * for wqf 1 and factor 1 (the matcher applies an enclosing OP_SCALE_WEIGHT factor to a
 * source's weight itself), and its get_sumpart. */
struct IneB2Terms {
    double c_avlen = 0, B = 0, idf = 0, upper = 0;
    Xapian::doccount termfreq = 0;

    IneB2Terms() = default;

    /* For a term: its statistics from the database. */
    IneB2Terms(const Xapian::Database &db, const std::string &term, double c)
    {
        termfreq = db.get_termfreq(term);
        double wdf_upper = db.get_wdf_upper_bound(term);
        if (termfreq == 0 || wdf_upper == 0)
            return; // no posting: the weight is never asked for; the bound is 0
        set(db, termfreq, db.get_collection_freq(term), wdf_upper, c);
    }

    void set(const Xapian::Database &db, double tf, double F, double wdf_upper, double c)
    {
        double N = db.get_doccount();
        double wdfn_upper = wdf_upper * std::log2(1 + (c * db.get_avlength()) /
                                                          db.get_doclength_lower_bound());
        double max_wdfn_product_B = (F + 1.0) / (tf + (tf / wdfn_upper));
        double expected = N * (1.0 - std::exp(-(F / N)));
        idf = std::log2((N + 1.0) / (expected + 0.5));
        c_avlen = c * db.get_avlength();
        B = (F + 1.0) / tf;
        upper = max_wdfn_product_B * idf;
    }

    /* IneB2Weight::get_sumpart, operation for operation, so scores are bit-identical;
     * norm is log2(1 + c_avlen / len) for the document (DocLengths::norms). */
    double weigh(Xapian::termcount wdf, double norm) const
    {
        if (wdf == 0)
            return 0.0;
        double wdfn = wdf;
        wdfn *= norm;
        double wdfn_product_B = wdfn * B / (wdfn + 1.0);
        return wdfn_product_B * idf;
    }
};

/* One term's postings, weighted by IneB2 with lengths from the table. */
class IneB2Source : public Xapian::PostingSource {
    std::string term;
    IneB2Terms k;
    const std::vector<double> *norms; // by docid; 0 for none
    Xapian::PostingIterator it, end;
    bool started = false;

  public:
    IneB2Source(const std::string &t, const IneB2Terms &k_, const std::vector<double> *n)
        : term(t), k(k_), norms(n)
    {
    }

    IneB2Source *clone() const override { return new IneB2Source(term, k, norms); }
    std::string name() const override { return "trawl::IneB2Source"; }
    std::string get_description() const override { return "trawl::IneB2Source(" + term + ")"; }

    void init(const Xapian::Database &db) override
    {
        it = db.postlist_begin(term);
        end = db.postlist_end(term);
        started = false;
        set_maxweight(k.upper);
    }

    Xapian::doccount get_termfreq_min() const override { return k.termfreq; }
    Xapian::doccount get_termfreq_est() const override { return k.termfreq; }
    Xapian::doccount get_termfreq_max() const override { return k.termfreq; }

    void next(double) override
    {
        if (started)
            ++it;
        started = true;
    }
    void skip_to(Xapian::docid did, double) override
    {
        started = true;
        it.skip_to(did);
    }
    bool at_end() const override { return started && it == end; }
    Xapian::docid get_docid() const override { return *it; }

    double get_weight() const override
    {
        Xapian::docid did = *it;
        double norm = did < norms->size() ? (*norms)[did] : 0.0;
        if (norm == 0.0)
            return 0.0; // not in the table: cannot happen for the revision it was built for
        return k.weigh(it.get_wdf(), norm);
    }
};


/* ---- a partial last word: Xapian's wildcard synonym, reproduced ---------------------- */

/* The QueryParser's FLAG_PARTIAL expansion (its defaults, which trawl keeps): the 100
 * terms with the pattern as prefix that occur in most documents, combined as a synonym. */
const Xapian::termcount PARTIAL_MAX = 100;

/* A node of the OR tree Xapian builds over the expanded terms (OrContext::postlist), with
 * the estimates its OrPostList and LeafPostList give; the synonym's statistics come from
 * it, so it is rebuilt the same way, in the same order. */
struct OrNode {
    Xapian::doccount est;        // get_termfreq_est()
    Xapian::doccount tf, cf;     // get_termfreq_est_using_stats()
    Xapian::doccount min, max;   // get_termfreq_min(), get_termfreq_max()
};

struct CompareEstAscending { // Xapian's ComparePostListTermFreqAscending
    bool operator()(const OrNode *a, const OrNode *b) const { return a->est > b->est; }
};

template <class T> T estimate_or(double a, double b, double n)
{
    return static_cast<T>(a + b - (a * b / n) + 0.5);
}

/* Combines the leaves as OrContext::postlist does; returns the root (owned by nodes). */
const OrNode *or_tree(std::vector<std::unique_ptr<OrNode>> &nodes, double N, double total_len)
{
    std::vector<OrNode *> pls;
    for (auto &n : nodes)
        pls.push_back(n.get());
    if (pls.size() == 1)
        return pls[0];
    CompareEstAscending cmp;
    std::make_heap(pls.begin(), pls.end(), cmp);
    for (;;) {
        OrNode *r = pls.front();
        std::pop_heap(pls.begin(), pls.end(), cmp);
        pls.pop_back();
        OrNode *l = pls.front();
        auto node = std::make_unique<OrNode>();
        node->est = estimate_or<Xapian::doccount>(l->est, r->est, N);
        node->tf = estimate_or<Xapian::doccount>(l->tf, r->tf, N);
        node->cf = total_len != 0 ? estimate_or<Xapian::doccount>(l->cf, r->cf, total_len) : 0;
        node->min = std::max(l->min, r->min);
        node->max = std::min<Xapian::doccount>(l->max + r->max, static_cast<Xapian::doccount>(N));
        OrNode *pl = node.get();
        nodes.push_back(std::move(node));
        if (pls.size() == 1)
            return pl;
        std::pop_heap(pls.begin(), pls.end(), cmp);
        pls.back() = pl;
        std::push_heap(pls.begin(), pls.end(), cmp);
    }
}

/* IneB2's constants for a synonym, as Weight::init_ sets them for one (wqf 1, the wdf
 * bounded by the longest document) and IneB2Weight::init computes them. */
IneB2Terms synonym_terms(const Xapian::Database &db, Xapian::doccount tf, Xapian::doccount cf,
                         double c)
{
    IneB2Terms k;
    k.termfreq = tf;
    double wdf_upper = db.get_doclength_upper_bound();
    if (wdf_upper == 0 || tf == 0)
        return k;
    k.set(db, tf, cf, wdf_upper, c);
    return k;
}

/* The union of the expanded terms' postings, each document's wdf the sum of theirs. */
class SynonymSource : public Xapian::PostingSource {
    std::vector<std::string> terms;
    IneB2Terms k;
    Xapian::doccount tf_min, tf_est, tf_max;
    const std::vector<Xapian::termcount> *lens;
    const std::vector<double> *norms;
    std::vector<Xapian::PostingIterator> its, ends;
    // (docid, index) of every term not at its end and not at the current document
    std::priority_queue<std::pair<Xapian::docid, size_t>,
                        std::vector<std::pair<Xapian::docid, size_t>>,
                        std::greater<std::pair<Xapian::docid, size_t>>>
        heap;
    std::vector<size_t> at; // the terms at the current document
    Xapian::docid did = 0;
    Xapian::termcount wdf = 0;
    bool started = false, ended = false;

    void push(size_t i)
    {
        if (its[i] != ends[i])
            heap.emplace(*its[i], i);
    }
    /* Takes the terms at the smallest docid off the heap: the current document. */
    void collect()
    {
        if (heap.empty()) {
            ended = true;
            return;
        }
        did = heap.top().first;
        wdf = 0;
        while (!heap.empty() && heap.top().first == did) {
            size_t i = heap.top().second;
            heap.pop();
            at.push_back(i);
            wdf += its[i].get_wdf();
        }
    }

  public:
    SynonymSource(const std::vector<std::string> &t, const IneB2Terms &k_, Xapian::doccount mn,
                  Xapian::doccount est, Xapian::doccount mx,
                  const std::vector<Xapian::termcount> *l, const std::vector<double> *n)
        : terms(t), k(k_), tf_min(mn), tf_est(est), tf_max(mx), lens(l), norms(n)
    {
    }

    SynonymSource *clone() const override
    {
        return new SynonymSource(terms, k, tf_min, tf_est, tf_max, lens, norms);
    }
    std::string name() const override { return "trawl::SynonymSource"; }

    void init(const Xapian::Database &db) override
    {
        its.clear();
        ends.clear();
        at.clear();
        heap = decltype(heap)();
        for (const auto &t : terms) {
            its.push_back(db.postlist_begin(t));
            ends.push_back(db.postlist_end(t));
        }
        for (size_t i = 0; i < its.size(); i++)
            push(i);
        started = ended = false;
        set_maxweight(k.upper);
    }

    Xapian::doccount get_termfreq_min() const override { return tf_min; }
    Xapian::doccount get_termfreq_est() const override { return tf_est; }
    Xapian::doccount get_termfreq_max() const override { return tf_max; }

    void next(double) override
    {
        if (started) {
            for (size_t i : at) {
                ++its[i];
                push(i);
            }
            at.clear();
        }
        started = true;
        collect();
    }
    void skip_to(Xapian::docid target, double) override
    {
        if (started) {
            if (ended || target <= did)
                return;
            for (size_t i : at) {
                its[i].skip_to(target);
                push(i);
            }
            at.clear();
        }
        started = true;
        while (!heap.empty() && heap.top().first < target) {
            size_t i = heap.top().second;
            heap.pop();
            its[i].skip_to(target);
            push(i);
        }
        collect();
    }
    bool at_end() const override { return started && ended; }
    Xapian::docid get_docid() const override { return did; }

    /* SynonymPostList::get_weight: the wdf clamped to the length, then IneB2. */
    double get_weight() const override
    {
        Xapian::termcount len = did < lens->size() ? (*lens)[did] : 0;
        if (len == 0)
            return 0.0;
        return k.weigh(std::min(wdf, len), (*norms)[did]);
    }
};

/* A source of no documents (for the branch that keeps the replaced terms known). */
class NoDocuments : public Xapian::PostingSource {
    bool started = false;

  public:
    NoDocuments *clone() const override { return new NoDocuments; }
    std::string name() const override { return "trawl::NoDocuments"; }
    void init(const Xapian::Database &) override { started = false; }
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return 0; }
    Xapian::doccount get_termfreq_max() const override { return 0; }
    void next(double) override { started = true; }
    void skip_to(Xapian::docid, double) override { started = true; }
    bool at_end() const override { return started; }
    Xapian::docid get_docid() const override { return 0; }
};

struct Rewriter {
    const Xapian::Database &db;
    double c;
    const DocLengths &lens;
    const std::vector<double> &norms;
    std::vector<Xapian::Query> replaced; // each term replaced, once per occurrence

    Xapian::Query source(const std::string &term)
    {
        IneB2Terms k(db, term, c);
        replaced.emplace_back(term);
        return Xapian::Query((new IneB2Source(term, k, &norms))->release());
    }

    /* A partial word's wildcard (the only kind trawl's parser makes: FLAG_WILDCARD is off),
     * expanded and weighed as Xapian would; any other is left to Xapian. Its terms are not
     * kept known: Xapian keeps no weight for a synonym's terms either. */
    Xapian::Query wildcard(const Xapian::Query &q)
    {
        static const std::string head = "Query(WILDCARD SYNONYM ";
        std::string d = q.get_description();
        if (d.compare(0, head.size(), head) != 0 || d.back() != ')')
            return q;
        std::string pattern = d.substr(head.size(), d.size() - head.size() - 1);
        if (pattern.empty() || pattern.find(' ') != std::string::npos)
            return q;
        struct Cand {
            std::string term;
            Xapian::doccount tf;
        };
        std::vector<Cand> cands;
        for (Xapian::TermIterator t = db.allterms_begin(pattern), e = db.allterms_end(pattern);
             t != e; ++t)
            cands.push_back(Cand{*t, t.get_termfreq()});
        if (cands.empty())
            return Xapian::Query::MatchNothing;
        if (cands.size() > PARTIAL_MAX) { // as OrContext::select_most_frequent
            std::nth_element(cands.begin(), cands.begin() + PARTIAL_MAX - 1, cands.end(),
                             [](const Cand &a, const Cand &b) { return a.tf > b.tf; });
            cands.resize(PARTIAL_MAX);
        }
        std::vector<std::unique_ptr<OrNode>> nodes;
        std::vector<std::string> terms;
        for (const auto &cd : cands) {
            auto n = std::make_unique<OrNode>();
            n->est = n->tf = n->min = n->max = cd.tf;
            n->cf = db.get_collection_freq(cd.term);
            nodes.push_back(std::move(n));
            terms.push_back(cd.term);
        }
        double N = db.get_doccount();
        const OrNode *root = or_tree(nodes, N, static_cast<double>(db.get_total_length()));
        if (root->max == 0)
            return q;
        IneB2Terms k = synonym_terms(db, root->tf, root->cf, c);
        return Xapian::Query((new SynonymSource(terms, k, root->min, root->est, root->max,
                                                &lens.lengths(), &norms))
                                 ->release());
    }

    /* q rebuilt with its first `weighted` subqueries rewritten and the rest as they are. */
    Xapian::Query rebuild(const Xapian::Query &q, size_t weighted)
    {
        std::vector<Xapian::Query> subs;
        size_t n = q.get_num_subqueries();
        subs.reserve(n);
        for (size_t i = 0; i < n; i++)
            subs.push_back(i < weighted ? walk(q.get_subquery(i)) : q.get_subquery(i));
        return Xapian::Query(q.get_type(), subs.begin(), subs.end());
    }

    Xapian::Query walk(const Xapian::Query &q)
    {
        switch (q.get_type()) {
        case Xapian::Query::LEAF_TERM: {
            std::string term = *q.get_terms_begin();
            return term.empty() ? q : source(term); // "" is MatchAll: left to Xapian
        }
        case Xapian::Query::OP_AND:
        case Xapian::Query::OP_OR:
        case Xapian::Query::OP_XOR:
        case Xapian::Query::OP_AND_MAYBE:
            return rebuild(q, q.get_num_subqueries());
        case Xapian::Query::OP_AND_NOT:
        case Xapian::Query::OP_FILTER:
            return rebuild(q, 1); // the rest is boolean: no weights, no lengths
        case Xapian::Query::OP_WILDCARD:
            return wildcard(q);
        default:
            return q;
        }
    }
};

} // namespace

Xapian::Query rewrite_ineb2(const Xapian::Query &q, const Xapian::Database &db, double c,
                            DocLengths &lens)
{
    // the same c_avlen as IneB2Terms: the norms are log2(1 + c_avlen / len) exactly
    Rewriter r{db, c, lens, lens.norms(c * db.get_avlength()), {}};
    Xapian::Query fast = r.walk(q);
    if (r.replaced.empty())
        return fast;
    r.replaced.emplace_back((new NoDocuments)->release());
    // AND_MAYBE, not OR: an OR would be merged into fast's top OR and change the shape of
    // the tree Xapian builds over it, so the order in which weights are summed.
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, fast,
                         Xapian::Query(Xapian::Query::OP_AND, r.replaced.begin(),
                                       r.replaced.end()));
}

} // namespace trawl_rank

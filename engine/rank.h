/*
 * rank.h: trawl's fast path for its default ranking (IneB2), part of the Xapian shim
 * (C++, internal to engine/; only engine/xapian.cc includes it).
 *
 * Why: Xapian 1.4's IneB2Weight needs each matching document's length, and glass finds a
 * document's length by seeking its chunk of the document-length list and scanning that
 * chunk from its start: 6-8 us for a random document, ~0.3 us even walking forward. That
 * lookup was ~85% of a search's matcher time (Ztax, 1,391 postings: 318 us with the
 * length, 48 us without). Here the lengths are read once per database revision into an
 * array (one sequential walk, ~1 ms for Reuters' 21,577 documents), with IneB2's length
 * normalisation log2(1 + c * avlen / length) per document beside it, and every plain weighted
 * term of a query is replaced by a PostingSource that walks the term's postings and
 * computes IneB2 exactly as Xapian's IneB2Weight does, with the length from the array.
 * Scores, order and totals are unchanged (tests/engine/test_rank.c compares them with
 * Xapian's own IneB2Weight); see doc/ranking.md.
 *
 * What is rewritten: terms weighted as themselves (under AND, OR, AND_MAYBE, XOR, and the
 * weighted side of AND_NOT and FILTER), and a partial last word's wildcard synonym (expanded,
 * combined and weighed as Xapian does). Left to Xapian: phrases and NEAR (their terms are
 * weighted only for documents that pass the position check, so few lengths are looked up),
 * other synonyms and wildcards, the boolean side of FILTER and AND_NOT, and anything else.
 */
#ifndef TRAWL_RANK_H
#define TRAWL_RANK_H

#include <xapian.h>

#include <string>
#include <vector>

namespace trawl_rank {

/* Every document's length by docid, for one revision of one database. */
class DocLengths {
  public:
    /* Makes the table current for db: rebuilt when db's revision has moved (or the table
     * was never built). Throws what Xapian throws. */
    void refresh(const Xapian::Database &db);
    /* Forgets the table (after a reopen that moved the database). */
    void clear() { built = false; }
    const std::vector<Xapian::termcount> &lengths() const { return lens; }
    /* log2(1 + c_avlen / length) for every document (0 for a docid without one): IneB2's
     * length normalisation, computed once per revision and c_avlen instead of once per
     * posting. Valid until the next refresh or norms call with another c_avlen. */
    const std::vector<double> &norms(double c_avlen);

  private:
    bool built = false;
    Xapian::rev rev = 0;
    std::string uuid;
    std::vector<Xapian::termcount> lens;
    double norms_for = 0; // the c_avlen norms_ was computed for; 0: none
    std::vector<double> norms_;
};

/* q with its plainly weighted terms replaced by IneB2 sources (parameter c) over db (whose
 * statistics they take now) reading lens (refreshed for db; it must outlive every search
 * run with the result), AND_MAYBE a branch that matches nothing but holds the replaced terms as
 * Xapian's own weighted terms: Xapian opens them (a seek each) and so keeps its statistics
 * for them, which MSet::get_termweight and MSet::snippet read; its AND with a source of no
 * documents never yields a match or a posting. */
Xapian::Query rewrite_ineb2(const Xapian::Query &q, const Xapian::Database &db, double c,
                            DocLengths &lens);

} // namespace trawl_rank

#endif

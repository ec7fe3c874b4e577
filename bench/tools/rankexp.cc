/*
 * rankexp.cc: the ranking experiment tool behind doc/ranking.md. A measurement tool, not
 * product code (hence C++ outside engine/): it indexes the test collections under
 * ../shared/eval/ straight into in-memory Xapian databases, runs every query under one or
 * more ranking candidates, and prints each candidate's per-collection table with
 * bench/metrics.c, the same metric code as `trawl-bench eval`. Run by hand or by
 * bench/tools/rankexp.sh; built by `make bench/tools/rankexp` (noinst, not installed).
 *
 *   rankexp [--shared DIR] [--collections a,b,c] [--markdown] SPEC...
 *
 * A SPEC is a name and comma-separated settings, e.g. `bm25tuned:w=bm25,k1=1.2,b=0.75`.
 * Index settings (each combination is indexed once and cached):
 *   stem=some|all|none   TermGenerator/QueryParser stemming strategy (default some)
 *   title=N              index the title with wdf multiplier N before the body (default 1)
 *   tprefix=1            also index the title under prefix S (see tq= below)
 *   dedup=1              drop the title from the start of a body that repeats it
 * Query settings:
 *   w=bm25|bm25+|pl2|pl2+|dlh|dph|lm|tfidf|inl2|ifb2|ineb2|bb2|trad   weighting (bm25)
 *   k1, k2, k3, b, mnl (min_normlen), delta, c, tfidf=NNN, smooth=two|dir|jm|abs|dirplus,
 *   s1, s2, plog                    the scheme's parameters (Xapian's defaults when absent)
 *   lower=1         lowercase the query text before parsing (default 1)
 *   uniq=1          OR of the query's distinct terms (a repeated word counts once)
 *   neut=0          parse the raw query text (default 1: neutralised, see below)
 *   stop=1          query-time stop words (Snowball's English list) via SimpleStopper
 *   tq=W            add the title-prefixed query (needs tprefix=1) scaled by W
 *   prox=W          add OP_AND_MAYBE(base, W * OR of adjacent-pair windows)
 *   win=N           window of the pair query (default 2: a phrase-like bigram)
 *   prf=K:N:W       pseudo-relevance feedback: top K docs, N expansion terms, weight W
 * The query text is first neutralised as `trawl-bench eval` does: every character that is
 * not a letter, digit or non-ASCII byte becomes a space.
 */
#include <xapian.h>

#include <jansson.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <getopt.h>

#include "bench/metrics.h"

namespace {

struct Doc {
    std::string id, title, body;
};

struct Collection {
    std::string name;
    std::vector<Doc> docs;
    std::vector<std::pair<std::string, std::string>> queries; // qid, text
    metrics_qrels *qrels = nullptr;
    std::map<std::string, Xapian::WritableDatabase> index; // by index key
};

typedef std::map<std::string, std::string> Spec;

// Snowball's English stop word list (snowballstem.org, english/stop.txt).
const char *const STOPWORDS[] = {
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours",
    "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers",
    "herself", "it", "its", "itself", "they", "them", "their", "theirs", "themselves",
    "what", "which", "who", "whom", "this", "that", "these", "those", "am", "is", "are",
    "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does",
    "did", "doing", "would", "should", "could", "ought", "i'm", "you're", "he's", "she's",
    "it's", "we're", "they're", "i've", "you've", "we've", "they've", "i'd", "you'd",
    "he'd", "she'd", "we'd", "they'd", "i'll", "you'll", "he'll", "she'll", "we'll",
    "they'll", "isn't", "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't",
    "doesn't", "don't", "didn't", "won't", "wouldn't", "shan't", "shouldn't", "can't",
    "cannot", "couldn't", "mustn't", "let's", "that's", "who's", "what's", "here's",
    "there's", "when's", "where's", "why's", "how's", "a", "an", "the", "and", "but", "if",
    "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about",
    "against", "between", "into", "through", "during", "before", "after", "above", "below",
    "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
    "further", "then", "once", "here", "there", "when", "where", "why", "how", "all",
    "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor",
    "not", "only", "own", "same", "so", "than", "too", "very"};

[[noreturn]] void die(const std::string &msg)
{
    std::cerr << "rankexp: " << msg << "\n";
    std::exit(1);
}

std::string jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

void load_docs(Collection &c, const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        die("cannot open '" + path + "'");
    std::string line;
    for (unsigned long n = 1; std::getline(in, line); n++) {
        json_error_t err;
        json_t *o = json_loadb(line.data(), line.size(), 0, &err);
        if (!json_is_object(o))
            die(path + ":" + std::to_string(n) + ": " + err.text);
        c.docs.push_back({jstr(o, "id"), jstr(o, "title"), jstr(o, "body")});
        json_decref(o);
    }
}

void load_queries(Collection &c, const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        die("cannot open '" + path + "'");
    std::string line;
    while (std::getline(in, line)) {
        size_t tab = line.find('\t');
        if (tab == std::string::npos)
            continue;
        c.queries.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    }
}

std::string get(const Spec &s, const std::string &k, const std::string &def)
{
    auto it = s.find(k);
    return it == s.end() ? def : it->second;
}

double num(const Spec &s, const std::string &k, double def)
{
    auto it = s.find(k);
    if (it == s.end())
        return def;
    char *end;
    double v = std::strtod(it->second.c_str(), &end);
    if (*end || end == it->second.c_str())
        die("setting " + k + "=" + it->second + " is not a number");
    return v;
}

Xapian::TermGenerator::stem_strategy tg_stem(const std::string &s)
{
    if (s == "all")
        return Xapian::TermGenerator::STEM_ALL;
    if (s == "none")
        return Xapian::TermGenerator::STEM_NONE;
    if (s == "somepos")
        return Xapian::TermGenerator::STEM_SOME_FULL_POS;
    return Xapian::TermGenerator::STEM_SOME;
}

Xapian::QueryParser::stem_strategy qp_stem(const std::string &s)
{
    if (s == "all")
        return Xapian::QueryParser::STEM_ALL;
    if (s == "none")
        return Xapian::QueryParser::STEM_NONE;
    if (s == "somepos")
        return Xapian::QueryParser::STEM_SOME_FULL_POS;
    return Xapian::QueryParser::STEM_SOME;
}

std::string index_key(const Spec &s)
{
    return get(s, "stem", "some") + "/" + get(s, "title", "1") + "/" + get(s, "tprefix", "0") +
           "/" + get(s, "dedup", "0");
}

Xapian::WritableDatabase &index_for(Collection &c, const Spec &s)
{
    std::string key = index_key(s);
    auto it = c.index.find(key);
    if (it != c.index.end())
        return it->second;
    Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("english"));
    tg.set_stemming_strategy(tg_stem(get(s, "stem", "some")));
    unsigned title_wdf = (unsigned)num(s, "title", 1);
    bool tprefix = num(s, "tprefix", 0) != 0;
    bool dedup = num(s, "dedup", 0) != 0;
    for (const Doc &d : c.docs) {
        Xapian::Document doc;
        tg.set_document(doc);
        std::string body = d.body;
        if (dedup && !d.title.empty() && body.compare(0, d.title.size(), d.title) == 0)
            body.erase(0, d.title.size());
        if (title_wdf > 0 && !d.title.empty()) {
            tg.index_text(d.title, title_wdf);
            tg.increase_termpos();
        }
        if (tprefix && !d.title.empty()) {
            tg.index_text(d.title, 1, "S");
            tg.increase_termpos();
        }
        tg.index_text(body);
        doc.set_data(d.id);
        db.add_document(doc);
    }
    db.commit();
    return c.index.emplace(key, db).first->second;
}

std::unique_ptr<Xapian::Weight> weight_for(const Spec &s)
{
    std::string w = get(s, "w", "bm25");
    if (w == "bm25")
        return std::make_unique<Xapian::BM25Weight>(num(s, "k1", 1), num(s, "k2", 0),
                                                    num(s, "k3", 1), num(s, "b", 0.5),
                                                    num(s, "mnl", 0.5));
    if (w == "bm25+")
        return std::make_unique<Xapian::BM25PlusWeight>(
            num(s, "k1", 1), num(s, "k2", 0), num(s, "k3", 1), num(s, "b", 0.5),
            num(s, "mnl", 0.5), num(s, "delta", 1));
    if (w == "pl2")
        return std::make_unique<Xapian::PL2Weight>(num(s, "c", 1));
    if (w == "pl2+")
        return std::make_unique<Xapian::PL2PlusWeight>(num(s, "c", 1), num(s, "delta", 0.8));
    if (w == "dlh")
        return std::make_unique<Xapian::DLHWeight>();
    if (w == "dph")
        return std::make_unique<Xapian::DPHWeight>();
    if (w == "inl2")
        return std::make_unique<Xapian::InL2Weight>(num(s, "c", 1));
    if (w == "ifb2")
        return std::make_unique<Xapian::IfB2Weight>(num(s, "c", 1));
    if (w == "ineb2")
        return std::make_unique<Xapian::IneB2Weight>(num(s, "c", 1));
    if (w == "bb2")
        return std::make_unique<Xapian::BB2Weight>(num(s, "c", 1));
    if (w == "trad")
        return std::make_unique<Xapian::TradWeight>(num(s, "k", 1));
    if (w == "tfidf")
        return std::make_unique<Xapian::TfIdfWeight>(get(s, "tfidf", "ntn"));
    if (w == "lm") {
        std::string sm = get(s, "smooth", "two");
        Xapian::Weight::type_smoothing t =
            sm == "dir"       ? Xapian::Weight::DIRICHLET_SMOOTHING
            : sm == "jm"      ? Xapian::Weight::JELINEK_MERCER_SMOOTHING
            : sm == "abs"     ? Xapian::Weight::ABSOLUTE_DISCOUNT_SMOOTHING
            : sm == "dirplus" ? Xapian::Weight::DIRICHLET_PLUS_SMOOTHING
                              : Xapian::Weight::TWO_STAGE_SMOOTHING;
        return std::make_unique<Xapian::LMWeight>(num(s, "plog", 0), t, num(s, "s1", -1),
                                                  num(s, "s2", -1));
    }
    die("unknown weighting scheme '" + w + "'");
}

// Every character that the query parser could read as syntax becomes a space.
std::string neutralise(const std::string &text, bool lower)
{
    std::string out;
    for (unsigned char ch : text) {
        if (ch >= 0x80 || std::isalnum(ch))
            out += lower ? (char)std::tolower(ch) : (char)ch;
        else
            out += ' ';
    }
    return out + " "; // a trailing space: never a partial last word
}

bool is_stopword(const std::string &w)
{
    for (const char *s : STOPWORDS)
        if (w == s)
            return true;
    return false;
}

// Adjacent pairs of non-stop words as window queries, for proximity boosting.
Xapian::Query pair_query(const std::string &text, const Spec &s, const Xapian::Stem &stem)
{
    std::istringstream in(text);
    std::vector<std::string> words;
    std::string w;
    bool stemmed = get(s, "stem", "some") == "all";
    while (in >> w) {
        for (char &ch : w)
            ch = (char)std::tolower((unsigned char)ch);
        if (!is_stopword(w))
            words.push_back(stemmed ? stem(w) : w);
    }
    unsigned win = (unsigned)num(s, "win", 2);
    std::vector<Xapian::Query> pairs;
    for (size_t i = 0; i + 1 < words.size(); i++) {
        Xapian::Query two[] = {Xapian::Query(words[i]), Xapian::Query(words[i + 1])};
        pairs.emplace_back(win <= 2 ? Xapian::Query::OP_PHRASE : Xapian::Query::OP_NEAR, two,
                           two + 2, win);
    }
    return Xapian::Query(Xapian::Query::OP_OR, pairs.begin(), pairs.end());
}

Xapian::Query build_query(Xapian::Database &db, const std::string &raw, const Spec &s,
                          const Xapian::SimpleStopper &stopper)
{
    Xapian::Stem stem("english");
    Xapian::QueryParser qp;
    qp.set_stemmer(stem);
    qp.set_stemming_strategy(qp_stem(get(s, "stem", "some")));
    qp.set_database(db);
    if (num(s, "stop", 0) != 0)
        qp.set_stopper(&stopper);
    std::string text = num(s, "neut", 1) != 0 ? neutralise(raw, num(s, "lower", 1) != 0) : raw;
    unsigned flags = Xapian::QueryParser::FLAG_DEFAULT;
    Xapian::Query q = qp.parse_query(text, flags);
    if (num(s, "uniq", 0) != 0)
        q = Xapian::Query(Xapian::Query::OP_OR, q.get_unique_terms_begin(),
                          q.get_unique_terms_end());
    double tq = num(s, "tq", 0);
    if (tq > 0)
        q = Xapian::Query(Xapian::Query::OP_OR, q,
                          Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                        qp.parse_query(text, flags, "S"), tq));
    double prox = num(s, "prox", 0);
    if (prox > 0) {
        Xapian::Query pq = pair_query(text, s, stem);
        if (!pq.empty())
            q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
                              Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, pq, prox));
    }
    return q;
}

// Pseudo-relevance feedback: expands q with the best terms of its top documents.
Xapian::Query expand(Xapian::Enquire &enq, const Xapian::Query &q, const Spec &s)
{
    std::string p = get(s, "prf", "");
    if (p.empty())
        return q;
    unsigned k = 0, n = 0;
    double w = 0;
    if (std::sscanf(p.c_str(), "%u:%u:%lf", &k, &n, &w) != 3)
        die("prf=" + p + ": expected K:N:W");
    enq.set_query(q);
    Xapian::MSet top = enq.get_mset(0, k);
    Xapian::RSet rs;
    for (auto it = top.begin(); it != top.end(); ++it)
        rs.add_document(*it);
    if (rs.empty())
        return q;
    Xapian::ESet es = enq.get_eset(n, rs);
    std::vector<Xapian::Query> terms;
    double maxw = 0;
    for (auto it = es.begin(); it != es.end(); ++it)
        maxw = std::max(maxw, it.get_weight());
    for (auto it = es.begin(); it != es.end(); ++it)
        terms.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(*it),
                           it.get_weight() / maxw);
    Xapian::Query ex(Xapian::Query::OP_OR, terms.begin(), terms.end());
    return Xapian::Query(Xapian::Query::OP_OR, q,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, ex, w));
}

metrics_scores run_collection(Collection &c, const Spec &s, FILE *runs)
{
    Xapian::Database db = index_for(c, s);
    Xapian::SimpleStopper stopper(std::begin(STOPWORDS), std::end(STOPWORDS));
    std::unique_ptr<Xapian::Weight> w = weight_for(s);
    metrics_mean mean = {};
    auto t0 = std::chrono::steady_clock::now();
    for (const auto &qt : c.queries) {
        Xapian::Enquire enq(db);
        enq.set_weighting_scheme(*w);
        Xapian::Query q = expand(enq, build_query(db, qt.second, s, stopper), s);
        enq.set_query(q);
        Xapian::MSet ms = enq.get_mset(0, METRICS_MAP_DEPTH);
        std::vector<std::string> ids;
        std::vector<metrics_hit> hits;
        ids.reserve(ms.size());
        for (auto it = ms.begin(); it != ms.end(); ++it) {
            ids.push_back(it.get_document().get_data());
            hits.push_back({nullptr, it.get_weight()});
        }
        for (size_t i = 0; i < hits.size(); i++)
            hits[i].doc = ids[i].c_str();
        if (runs)
            for (size_t i = 0; i < hits.size(); i++)
                std::fprintf(runs, "%s Q0 %s %zu %.6f rankexp\n", qt.first.c_str(),
                             hits[i].doc, i + 1, hits[i].score);
        metrics_judgment *judged;
        size_t nj;
        metrics_qrels_get(c.qrels, qt.first.c_str(), &judged, &nj);
        metrics_scores sc;
        if (metrics_score_query(hits.data(), hits.size(), judged, nj, &sc))
            metrics_mean_add(&mean, &sc);
    }
    std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    std::fprintf(stderr, "rankexp: %s: %zu queries in %.3f s (top %d)\n", c.name.c_str(),
                 c.queries.size(), dt.count(), METRICS_MAP_DEPTH);
    metrics_scores out;
    metrics_mean_get(&mean, &out);
    return out;
}

Spec parse_spec(const std::string &arg, std::string &name)
{
    Spec s;
    size_t colon = arg.find(':');
    name = colon == std::string::npos ? arg : arg.substr(0, colon);
    std::string rest = colon == std::string::npos ? "" : arg.substr(colon + 1);
    std::istringstream in(rest);
    std::string kv;
    while (std::getline(in, kv, ',')) {
        size_t eq = kv.find('=');
        if (eq == std::string::npos)
            die("setting '" + kv + "' in '" + arg + "' has no '='");
        s[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return s;
}

void usage()
{
    std::cerr << "usage: rankexp [--shared DIR] [--collections a,b,c] [--runs-dir DIR] "
                 "NAME:SETTINGS...\n";
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    std::string shared = "../shared";
    std::string names = "cranfield,med,cisi";
    std::string runs_dir;
    static const struct option opts[] = {{"shared", required_argument, nullptr, 's'},
                                         {"collections", required_argument, nullptr, 'c'},
                                         {"runs-dir", required_argument, nullptr, 'r'},
                                         {"help", no_argument, nullptr, 'h'},
                                         {nullptr, 0, nullptr, 0}};
    for (int ch; (ch = getopt_long(argc, argv, "s:c:r:h", opts, nullptr)) != -1;) {
        if (ch == 's')
            shared = optarg;
        else if (ch == 'c')
            names = optarg;
        else if (ch == 'r')
            runs_dir = optarg;
        else
            usage();
    }
    if (optind >= argc)
        usage();
    try {
        std::vector<Collection> cols;
        std::istringstream in(names);
        std::string n;
        while (std::getline(in, n, ',')) {
            Collection c;
            c.name = n;
            std::string dir = shared + "/eval/" + n;
            load_docs(c, dir + "/docs.jsonl");
            load_queries(c, dir + "/queries.tsv");
            char *err = nullptr;
            c.qrels = metrics_qrels_load((dir + "/qrels.txt").c_str(), &err);
            if (!c.qrels)
                die(err);
            cols.push_back(std::move(c));
        }
        // One line per candidate: name, then nDCG@10 / MAP per collection, then means.
        std::printf("| candidate |");
        for (auto &c : cols)
            std::printf(" %s nDCG@10 | %s MAP |", c.name.c_str(), c.name.c_str());
        std::printf(" mean nDCG@10 | mean MAP | settings |\n|---|");
        for (size_t i = 0; i < cols.size(); i++)
            std::printf("---|---|");
        std::printf("---|---|---|\n");
        for (int i = optind; i < argc; i++) {
            std::string name;
            Spec s = parse_spec(argv[i], name);
            double sn = 0, sm = 0;
            std::printf("| %s |", name.c_str());
            for (auto &c : cols) {
                FILE *runs = nullptr;
                if (!runs_dir.empty()) {
                    std::string p = runs_dir + "/" + name + "." + c.name + ".run";
                    if (!(runs = std::fopen(p.c_str(), "w")))
                        die("cannot write '" + p + "'");
                }
                metrics_scores m = run_collection(c, s, runs);
                if (runs)
                    std::fclose(runs);
                std::printf(" %.3f | %.3f |", m.ndcg10, m.ap);
                sn += m.ndcg10;
                sm += m.ap;
            }
            const char *settings = std::strchr(argv[i], ':');
            std::printf(" %.4f | %.4f | `%s` |\n", sn / cols.size(), sm / cols.size(),
                        settings ? settings + 1 : "");
            std::fflush(stdout);
        }
        for (auto &c : cols)
            metrics_qrels_free(c.qrels);
    } catch (const Xapian::Error &e) {
        die(e.get_description());
    } catch (const std::exception &e) {
        die(e.what());
    }
    return 0;
}

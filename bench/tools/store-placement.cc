/*
 * store-placement.cc: a measurement tool (not product code, not installed) that answers
 * issue 2's placement question for the article store: should trawl's compressed record go
 * in Xapian document data (set_data, which glass zlib-compresses again) or in user
 * metadata (set_metadata, stored as is, but read from the first shard only of a combined
 * database)? It indexes a JSON Lines corpus into fresh glass databases, one per
 * placement, with the same records and a commit every --batch articles, and prints the
 * on-disk size and the wall time of each. Run by hand; figures go in doc/store.md.
 *
 *   make bench/tools/store-placement
 *   bench/tools/store-placement [--batch N] [--terms] CORPUS.jsonl[.gz] WORKDIR
 *
 * Placements: "data" (store_encode record in set_data), "metadata" (record in
 * set_metadata under the article id, document data empty), "data-plain" (the JSON text
 * itself in set_data, compressed by glass alone) and "none" (no stored text: the
 * baseline). --terms also indexes title and body with a TermGenerator, as trawl does, so
 * the sizes compare against a realistic index; without it only the id term is added, so
 * the store's own cost stands out.
 */
#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zlib.h>

extern "C" {
#include "store.h"
}

namespace {

struct Article {
    std::string id, title, body, json;
};

std::vector<Article> load(const char *path)
{
    std::vector<Article> out;
    gzFile gz = gzopen(path, "rb");
    if (gz == nullptr) {
        std::fprintf(stderr, "store-placement: cannot open '%s'\n", path);
        std::exit(1);
    }
    std::string line;
    char buf[1 << 16];
    unsigned long lineno = 0;
    while (gzgets(gz, buf, sizeof buf) != nullptr) {
        line += buf;
        if (line.empty() || line.back() != '\n')
            continue;
        lineno++;
        json_error_t err;
        json_t *obj = json_loadb(line.data(), line.size(), 0, &err);
        if (obj == nullptr) {
            std::fprintf(stderr, "store-placement: %s:%lu: %s\n", path, lineno, err.text);
            std::exit(1);
        }
        char *text = json_dumps(obj, JSON_COMPACT);
        Article a;
        const char *s;
        if ((s = json_string_value(json_object_get(obj, "id"))))
            a.id = s;
        if ((s = json_string_value(json_object_get(obj, "title"))))
            a.title = s;
        if ((s = json_string_value(json_object_get(obj, "body"))))
            a.body = s;
        a.json = text;
        std::free(text);
        json_decref(obj);
        out.push_back(std::move(a));
        line.clear();
    }
    gzclose(gz);
    return out;
}

unsigned long long dir_bytes(const std::string &dir)
{
    unsigned long long total = 0;
    DIR *d = opendir(dir.c_str());
    if (d == nullptr)
        return 0;
    while (struct dirent *e = readdir(d)) {
        struct stat st;
        std::string p = dir + "/" + e->d_name;
        if (e->d_name[0] != '.' && stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            total += (unsigned long long)st.st_size;
    }
    closedir(d);
    return total;
}

double cpu_seconds()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

std::string encode(store_encoder *enc, const std::string &text)
{
    unsigned char *rec;
    size_t len;
    if (store_encoder_encode(enc, text.data(), text.size(), &rec, &len) != TRAWL_OK) {
        std::fprintf(stderr, "store-placement: store_encode failed\n");
        std::exit(1);
    }
    std::string out(reinterpret_cast<char *>(rec), len);
    std::free(rec);
    return out;
}

struct Timing {
    double wall, cpu;
};

Timing run(store_encoder *enc, const std::vector<Article> &arts, const std::string &placement,
           const std::string &path, unsigned batch, bool terms)
{
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("english"));
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    unsigned n = 0;
    for (const Article &a : arts) {
        Xapian::Document doc;
        std::string idterm = "Q" + a.id;
        doc.add_boolean_term(idterm);
        if (terms) {
            tg.set_document(doc);
            tg.index_text(a.title, 5, "S");
            tg.index_text(a.title, 5);
            tg.increase_termpos();
            tg.index_text(a.body);
        }
        if (placement == "data")
            doc.set_data(encode(enc, a.json));
        else if (placement == "data-plain")
            doc.set_data(a.json);
        db.replace_document(idterm, doc);
        if (placement == "metadata")
            db.set_metadata("S" + a.id, encode(enc, a.json));
        if (++n % batch == 0)
            db.commit();
    }
    db.commit();
    db.close();
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
            cpu_seconds() - c0};
}

} // namespace

int main(int argc, char **argv)
{
    unsigned batch = 2000;
    bool terms = false;
    static const struct option opts[] = {
        {"batch", required_argument, nullptr, 'b'},
        {"terms", no_argument, nullptr, 't'},
        {nullptr, 0, nullptr, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "b:t", opts, nullptr)) != -1) {
        if (c == 'b') {
            char *end;
            unsigned long v = std::strtoul(optarg, &end, 10);
            if (*end || v == 0 || v > 1000000) {
                std::fprintf(stderr, "store-placement: bad --batch '%s'\n", optarg);
                return 2;
            }
            batch = (unsigned)v;
        } else if (c == 't') {
            terms = true;
        } else {
            return 2;
        }
    }
    if (argc - optind != 2) {
        std::fprintf(stderr, "usage: store-placement [--batch N] [--terms] CORPUS WORKDIR\n");
        return 2;
    }
    store_encoder *enc;
    if (store_encoder_new(&enc) != TRAWL_OK) {
        std::fprintf(stderr, "store-placement: cannot create a store encoder\n");
        return 1;
    }
    try {
        std::vector<Article> arts = load(argv[optind]);
        unsigned long long text = 0, rec = 0;
        double c0 = cpu_seconds();
        for (const Article &a : arts) {
            text += a.json.size();
            rec += encode(enc, a.json).size();
        }
        std::printf("articles %zu, text %llu bytes, records %llu bytes (%.2f%%), "
                    "encoding all: %.2f s CPU\n", arts.size(), text, rec, 100.0 * rec / text,
                    cpu_seconds() - c0);
        std::printf("%-11s %6s %12s %9s %9s\n", "placement", "terms", "db bytes", "wall s",
                    "CPU s");
        for (const char *p : {"none", "data", "metadata", "data-plain"}) {
            std::string path = std::string(argv[optind + 1]) + "/" + p;
            Timing t = run(enc, arts, p, path, batch, terms);
            std::printf("%-11s %6s %12llu %9.2f %9.2f\n", p, terms ? "yes" : "no",
                        dir_bytes(path), t.wall, t.cpu);
            std::fflush(stdout);
        }
    } catch (const Xapian::Error &e) {
        store_encoder_free(enc);
        std::fprintf(stderr, "store-placement: %s\n", e.get_description().c_str());
        return 1;
    }
    store_encoder_free(enc);
    return 0;
}

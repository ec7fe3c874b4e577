/*
 * store-decode.cc: a measurement tool (not product code, not installed) for the record
 * decoder: reads every stored record (document data) of a trawl database and decodes
 * them all, round after round, with zlib's inflate as engine/store.c did before
 * libdeflate (inflateReset, inflateSetDictionary, inflate, crc32) and with
 * store_decoder_borrow (libdeflate), alternating the two in one run; checks they give the
 * same text and prints microseconds per record for each and their ratio, and the share of
 * records whose first block is in deflate's fixed codes (store.c's STORE_FIXED_MAX).
 *
 *   make bench/tools/store-decode
 *   bench/tools/store-decode DB [ROUNDS]
 */
#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <zlib.h>

extern "C" {
#include "store.h"
#include "store_dict.h"
}

namespace {

using Clock = std::chrono::steady_clock;

/* Where the deflate stream starts and the text length, or false when not a record. */
bool header(const std::string &r, size_t &hsize, size_t &textlen, unsigned &dict)
{
    const unsigned char *p = reinterpret_cast<const unsigned char *>(r.data());
    if (r.size() < 8 || (p[0] != 1 && p[0] != 2))
        return false;
    dict = p[1];
    size_t at = 2;
    for (int field = 0; field < (p[0] == 2 ? 2 : 1); field++) {
        size_t v = 0;
        for (int s = 0;; s += 7) {
            v |= (size_t)(p[at] & 0x7f) << s;
            if (!(p[at++] & 0x80))
                break;
        }
        if (field == 0)
            textlen = v;
    }
    hsize = at + 4;
    return true;
}

/* zlib's decode of one record into buf (textlen + 259 bytes); returns the text length or
 * SIZE_MAX. The CRC covers the text only (the tool compares texts, not the tail field). */
size_t zlib_decode(z_stream *zs, const std::string &r, std::vector<char> &buf)
{
    size_t hsize, textlen;
    unsigned dict;
    if (!header(r, hsize, textlen, dict))
        return SIZE_MAX;
    buf.resize(textlen + 259);
    const store_dict *d = store_dict_find(dict);
    if (inflateReset(zs) != Z_OK ||
        (d && inflateSetDictionary(zs, d->data, (uInt)d->len) != Z_OK))
        return SIZE_MAX;
    zs->next_in = reinterpret_cast<Bytef *>(const_cast<char *>(r.data())) + hsize;
    zs->avail_in = (uInt)(r.size() - hsize);
    zs->next_out = reinterpret_cast<Bytef *>(buf.data());
    zs->avail_out = (uInt)buf.size();
    int rc = inflate(zs, Z_FINISH);
    if (rc != Z_STREAM_END || zs->total_out != textlen)
        return SIZE_MAX;
    volatile uLong crc = crc32(0L, reinterpret_cast<Bytef *>(buf.data()), (uInt)textlen);
    (void)crc;
    return textlen;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: store-decode DB [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
    std::vector<std::string> recs;
    try {
        Xapian::Database db(argv[1]);
        for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it)
            recs.push_back(db.get_document(*it).get_data());
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "store-decode: %s\n", e.get_description().c_str());
        return 1;
    }
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    store_decoder *dec = nullptr;
    if (inflateInit2(&zs, -15) != Z_OK || store_decoder_new(&dec) != TRAWL_OK)
        return 1;
    std::vector<char> buf;
    size_t bytes = 0, bad = 0, fixed = 0;
    for (const auto &r : recs) { /* check: the same text both ways */
        char *t;
        size_t n, tail, hsize, textlen;
        unsigned dict;
        if (header(r, hsize, textlen, dict) && hsize < r.size() &&
            ((static_cast<unsigned char>(r[hsize]) >> 1) & 3) == 1)
            fixed++; /* the first block in deflate's fixed codes */
        size_t zn = zlib_decode(&zs, r, buf);
        if (store_decoder_borrow(dec, reinterpret_cast<const unsigned char *>(r.data()),
                                 r.size(), &t, &n, &tail) != TRAWL_OK ||
            zn != n || std::memcmp(t, buf.data(), n) != 0)
            bad++;
        bytes += n;
    }
    std::printf("%zu records, %.0f text bytes a record, %zu differ, %.1f%% in fixed codes\n",
                recs.size(), (double)bytes / (double)recs.size(), bad,
                100.0 * (double)fixed / (double)recs.size());
    double best_z = 1e9, best_l = 1e9;
    for (int round = 0; round < rounds; round++) {
        auto t0 = Clock::now();
        for (const auto &r : recs)
            zlib_decode(&zs, r, buf);
        auto t1 = Clock::now();
        for (const auto &r : recs) {
            char *t;
            size_t n, tail;
            store_decoder_borrow(dec, reinterpret_cast<const unsigned char *>(r.data()),
                                 r.size(), &t, &n, &tail);
        }
        auto t2 = Clock::now();
        double z = std::chrono::duration<double, std::micro>(t1 - t0).count() / recs.size();
        double l = std::chrono::duration<double, std::micro>(t2 - t1).count() / recs.size();
        std::printf("round %d: zlib %.2f us/record, libdeflate %.2f us/record, ratio %.2f\n",
                    round + 1, z, l, l / z);
        best_z = z < best_z ? z : best_z;
        best_l = l < best_l ? l : best_l;
    }
    std::printf("best: zlib %.2f us/record, libdeflate %.2f us/record, saved %.2f us, "
                "ratio %.2f\n", best_z, best_l, best_z - best_l, best_l / best_z);
    inflateEnd(&zs);
    store_decoder_free(dec);
    return bad ? 1 : 0;
}

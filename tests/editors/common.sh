# tests/editors/common.sh: sourced by the editor-plugin test wrappers (emacs.sh, nvim.sh).
# It skips the test visibly (exit 77) when the editor or the trawl program is missing,
# writes the small fixture corpus, builds its database with `trawl index`, and checks that
# `trawl serve` answers a ping on it. The expectations in trawl-tests.el and trawl_spec.lua
# follow from this corpus: "zebra" matches zebra-1, zebra-2, zebra-3 in that order (most
# to fewest mentions, shortest text first); "zürich" matches zurich-1 only, whose snippet
# has non-ASCII letters before the match; "maize" and "wheat" match other articles.

editors_skip() {
    echo "SKIP: $*"
    exit 77
}

# editors_need_editor VAR NAME: sets VAR to the editor (from the environment, else PATH).
editors_need_editor() {
    eval "prog=\${$1:-}"
    [ -n "$prog" ] || prog=$(command -v "$2" 2>/dev/null) || prog=
    [ -n "$prog" ] && [ -x "$prog" ] ||
        editors_skip "$2 is not installed (apt-get install $3)"
    eval "$1=\$prog"
}

# editors_need_trawl: sets TRAWL_BIN to the trawl program (default: the built one).
editors_need_trawl() {
    : "${TRAWL_BIN:=${top_builddir:-.}/trawl}"
    [ -x "$TRAWL_BIN" ] || editors_skip "no trawl program at $TRAWL_BIN (run make trawl)"
}

editors_fixture() {
    cat <<'JSONL'
{"id":"zebra-1","date":"1987-03-02","title":"Zebra crossing rules","body":"The zebra crossing gives walkers priority. Every zebra crossing has white stripes, and drivers stop at a zebra crossing."}
{"id":"zebra-2","date":"1987-03-03","title":"City traffic report","body":"Traffic in the city centre was heavy this week. Officials said a zebra crossing near the station would open next month, and a second zebra crossing would follow in the spring, once the road works on the ring road are finished and the buses run on time again."}
{"id":"zebra-3","date":"1987-03-04","title":"Zoo animals counted","body":"The annual count at the city zoo found more animals than last year. Keepers counted lions, tigers, monkeys, penguins, parrots, snakes, turtles, camels and one zebra, as well as a great many fish in the new aquarium. The zoo director said the visitors numbers had risen too, helped by the long summer, the new cafe and the cheaper tickets for families and schools. Next year the zoo hopes to add a larger house for the elephants and a walk-through garden for butterflies and birds."}
{"id":"grain-1","date":"1987-03-05","title":"Wheat harvest outlook","body":"Wheat exports rose as farmers expected a strong wheat harvest; maize exports were flat."}
{"id":"grain-2","date":"1987-03-06","title":"Maize prices fall","body":"Maize prices fell sharply as maize supplies grew in the main growing regions."}
{"id":"grain-3","title":"Undated grain note","body":"A short note on wheat, with no date."}
{"id":"zurich-1","date":"1987-03-07","title":"Börse Zürich: Café-Aktien steigen","body":"Über Nacht stiegen die Kurse in Zürich: Café Müller und die Zürich Versicherung gewannen, während Gold fiel."}
JSONL
}

# editors_make_db: sets EDITORS_TMP (removed at exit) and EDITORS_DB, the fixture database.
editors_make_db() {
    EDITORS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-editors.XXXXXX") || exit 99
    trap 'rm -rf "$EDITORS_TMP"' EXIT
    EDITORS_DB=$EDITORS_TMP/db
    editors_fixture >"$EDITORS_TMP/fixture.jsonl"
    if ! "$TRAWL_BIN" index --db "$EDITORS_DB" "$EDITORS_TMP/fixture.jsonl" \
        >"$EDITORS_TMP/index.log" 2>&1; then
        echo "FAIL: $TRAWL_BIN index could not build the fixture database:"
        cat "$EDITORS_TMP/index.log"
        exit 1
    fi
    reply=$(printf '{"id":"probe","op":"ping"}\n' |
        "$TRAWL_BIN" serve --db "$EDITORS_DB" 2>&1)
    case $reply in
    *'"ok":true'* | *'"ok": true'*) ;;
    *)
        echo "FAIL: $TRAWL_BIN serve does not answer a ping: $reply"
        exit 1
        ;;
    esac
}

# editors_wait_gone PID EDITOR: exits 0 once process PID has ended (a zombie left to a
# parent that does not reap counts as ended), 1 when it still runs after two seconds.
editors_wait_gone() {
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
        case $state in
        '' | Z | X)
            echo "ok: trawl serve ($1) ended with $2"
            exit 0
            ;;
        esac
        sleep 0.2
    done
    echo "FAIL: trawl serve ($1) still runs after $2 exited"
    kill "$1" 2>/dev/null
    exit 1
}

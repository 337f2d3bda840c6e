# warcio.sh - warcio.js (Webrecorder's WARC reader, npm package warcio)
# for the WARC tests, installed once with the machine's node and npm into
# a cache directory ($CF_NODE_DIR, default $B/node; a fresh machine gets
# it at its first test run).
#
#   warcio_setup      0, or 1 with the reason on stderr
#   warc_check DIR... one JSON line per record (tests/lib/warc_check.mjs)
#   warc_cdxj FILE... warcio's CDXJ index of the files

WARCIO_VERSION=2.4.11

warcio_setup() {
    WARCIO_DIR=${CF_NODE_DIR:-$B/node}
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "node and npm are needed (tools/deps.sh installs them)" >&2
        return 1
    fi
    if [ ! -f "$WARCIO_DIR/node_modules/warcio/package.json" ]; then
        mkdir -p "$WARCIO_DIR" || return 1
        npm install --no-audit --no-fund --silent --prefix "$WARCIO_DIR" \
            "warcio@$WARCIO_VERSION" >"$WARCIO_DIR/npm.log" 2>&1 || {
            tail -n 5 "$WARCIO_DIR/npm.log" >&2
            return 1
        }
    fi
    WARCIO_DIR=$(cd "$WARCIO_DIR" && pwd)
    # ES modules resolve packages from the script's directory
    cp "$(dirname "$0")/../lib/warc_check.mjs" "$WARCIO_DIR/warc_check.mjs"
}

warc_check() {
    node "$WARCIO_DIR/warc_check.mjs" "$@"
}

# warcio's own CDXJ index of the files FILE...
warc_cdxj() {
    node "$WARCIO_DIR/node_modules/warcio/dist/cli.js" cdx-index "$@"
}

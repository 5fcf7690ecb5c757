#!/bin/sh
# Writes the /config.js that the built page reads, from API_URL, when the page is
# served: at container start (from /docker-entrypoint.d/) and by `make dev`.
# Usage: API_URL=https://api.example.com CONFIG_JS_PATH=/where/config.js runtime-config.sh
set -eu

fail() {
    echo "runtime-config: $*" >&2
    exit 1
}

[ -n "${API_URL:-}" ] ||
    fail "API_URL is empty or not set: set it to the backend's URL, e.g. API_URL=http://localhost:8080"
[ -n "${CONFIG_JS_PATH:-}" ] ||
    fail "CONFIG_JS_PATH is empty or not set: set it to the file served as /config.js"

case "$API_URL" in
    http://?* | https://?*) ;;
    *) fail "API_URL '$API_URL' is not allowed: it must be an http:// or https:// URL" ;;
esac
# Deleting every printable ASCII character must leave nothing; the x survives the
# trailing-newline trimming of $(...).
rest=$(printf '%s' "$API_URL" | LC_ALL=C tr -d ' -~'; echo x)
[ "$rest" = x ] ||
    fail "API_URL '$API_URL' is not allowed: it must be printable ASCII on one line"

escaped=$(printf '%s' "$API_URL" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
mkdir -p "$(dirname "$CONFIG_JS_PATH")"
printf 'window.SLIPWAY_CONFIG = {"apiUrl": "%s"};\n' "$escaped" >"$CONFIG_JS_PATH"
echo "runtime-config: wrote $CONFIG_JS_PATH with apiUrl $API_URL"

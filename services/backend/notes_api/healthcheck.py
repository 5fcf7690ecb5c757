"""The container health check: exit 0 when this host's API answers /healthz."""

import sys
import urllib.error
import urllib.request

from notes_api.settings import Settings

TIMEOUT_SECONDS = 3


def main() -> int:
    url = f"http://127.0.0.1:{Settings().port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS):
            return 0
    except (urllib.error.URLError, OSError) as error:
        print(f"healthcheck: {url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
